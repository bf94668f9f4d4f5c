// Contract tests of the webhooks the simulator sends, checked at a real receiver on the raw bytes:
// shape, signature (computed independently here), escaping, statuses, retries and ordering, and
// the verification handshake.
import { createHmac } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  BUSINESS,
  PATIENT,
  patientWrites,
  request,
  sendText,
  startReceiver,
  startSimulator,
  waitFor,
  type Receiver,
  type RunningSimulator,
} from '../test/harness';
import type { DeliveryRecord } from './dispatcher';

// vitest's asymmetric matchers are typed `any`; typed as unknown they stay lint-clean in literals
const anyString = (): unknown => expect.any(String);
const digitString = (): unknown => expect.stringMatching(/^\d+$/);

interface SendReply {
  messages: { id: string }[];
}

interface Envelope {
  object: string;
  entry: {
    id: string;
    changes: {
      field: string;
      value: {
        messaging_product: string;
        metadata: { display_phone_number: string; phone_number_id: string };
        contacts?: { profile: { name: string }; wa_id: string }[];
        messages?: Record<string, unknown>[];
        statuses?: Record<string, unknown>[];
      };
    }[];
  }[];
}

const parse = (raw: Buffer) => JSON.parse(raw.toString('utf8')) as Envelope;
const valueOf = (raw: Buffer) => parse(raw).entry[0]!.changes[0]!.value;

function statusesAt(receiver: Receiver, id: string): Record<string, unknown>[] {
  return receiver
    .posts()
    .flatMap((p) => valueOf(p.raw).statuses ?? [])
    .filter((s) => s.id === id);
}

async function deliveries(env: RunningSimulator, query = ''): Promise<DeliveryRecord[]> {
  return (await request<{ data: DeliveryRecord[] }>(env.baseUrl, 'GET', `/_sim/webhooks${query}`)).body.data;
}

describe('webhooks', () => {
  let env: RunningSimulator;
  let receiver: Receiver;

  beforeEach(async () => {
    receiver = await startReceiver();
    env = await startSimulator({ businesses: [{ ...BUSINESS, webhook_url: receiver.url }] });
  });
  afterEach(async () => {
    await env.close();
    await receiver.close();
  });

  it("delivers a patient's text as Meta shapes it, escaped and signed over the exact bytes", async () => {
    const before = Math.floor(Date.now() / 1000);
    const sent = await patientWrites(env.baseUrl, 'Olá 👋');
    expect(sent.status).toBe(200);
    const [post] = await waitFor(() => (receiver.posts().length >= 1 ? receiver.posts() : undefined));

    // the signature, computed independently over the raw bytes with the app secret
    const expected = `sha256=${createHmac('sha256', BUSINESS.app_secret).update(post!.raw).digest('hex')}`;
    expect(post!.headers['x-hub-signature-256']).toBe(expected);
    expect(post!.headers['content-type']).toBe('application/json');

    // non-ASCII escaped as Meta does: nothing above 0x7F on the wire
    const text = post!.raw.toString('latin1');
    expect(text).toContain('Ol\\u00e1 \\ud83d\\udc4b');
    expect([...post!.raw].every((byte) => byte < 0x80)).toBe(true);

    const body = parse(post!.raw);
    expect(body).toEqual({
      object: 'whatsapp_business_account',
      entry: [
        {
          id: BUSINESS.waba_id,
          changes: [
            {
              value: {
                messaging_product: 'whatsapp',
                metadata: {
                  display_phone_number: BUSINESS.display_phone_number,
                  phone_number_id: BUSINESS.phone_number_id,
                },
                contacts: [{ profile: { name: PATIENT.profile_name }, wa_id: PATIENT.wa_id }],
                messages: [
                  {
                    from: PATIENT.wa_id,
                    id: sent.body.id,
                    timestamp: sent.body.timestamp,
                    type: 'text',
                    text: { body: 'Olá 👋' },
                  },
                ],
              },
              field: 'messages',
            },
          ],
        },
      ],
    });
    expect(sent.body.id).toMatch(/^wamid\.[A-Za-z0-9+/]+={0,2}$/);
    expect(sent.body.timestamp).toMatch(/^\d+$/);
    expect(Number(sent.body.timestamp)).toBeGreaterThanOrEqual(before);
  });

  it('also sends the legacy SHA-1 signature over the same bytes', async () => {
    await patientWrites(env.baseUrl, 'hello');
    const [post] = await waitFor(() => (receiver.posts().length >= 1 ? receiver.posts() : undefined));
    expect(post!.headers['x-hub-signature']).toBe(
      `sha1=${createHmac('sha1', BUSINESS.app_secret).update(post!.raw).digest('hex')}`,
    );
  });

  it('reports sent, delivered, then read for an accepted message, with service pricing', async () => {
    await patientWrites(env.baseUrl, 'hello');
    const result = await sendText<SendReply>(env.baseUrl, 'Your results are ready in the portal.');
    const id = result.body.messages[0]!.id;

    const statuses = await waitFor(() => {
      const s = statusesAt(receiver, id);
      return s.length >= 3 ? s : undefined;
    });
    expect(statuses.map((s) => s.status)).toEqual(['sent', 'delivered', 'read']);
    const pricing = {
      billable: false,
      pricing_model: 'PMP',
      category: 'service',
      type: 'free_customer_service',
    };
    expect(statuses[0]).toEqual({
      id,
      status: 'sent',
      timestamp: digitString(),
      recipient_id: PATIENT.wa_id,
      conversation: { id: anyString(), expiration_timestamp: digitString(), origin: { type: 'service' } },
      pricing,
    });
    expect(statuses[1]).toMatchObject({
      status: 'delivered',
      pricing,
      conversation: { id: (statuses[0]!.conversation as { id: string }).id },
    });
    expect(statuses[2]).toEqual({
      id,
      status: 'read',
      timestamp: digitString(),
      recipient_id: PATIENT.wa_id,
    });

    const inbox = await request<{ data: { id: string; status: string; content: unknown }[] }>(
      env.baseUrl,
      'GET',
      `/_sim/patients/${PATIENT.wa_id}/inbox`,
    );
    expect(inbox.body.data).toEqual([
      expect.objectContaining({
        id,
        status: 'read',
        content: { body: 'Your results are ready in the portal.' },
      }),
    ]);
  });

  it('echoes biz_opaque_callback_data on every status of the message, as Meta does', async () => {
    await patientWrites(env.baseUrl, 'hello');
    const result = await sendText<SendReply>(env.baseUrl, 'Tracked reply', {
      biz_opaque_callback_data: 'careline-message-42',
    });
    const id = result.body.messages[0]!.id;
    const statuses = await waitFor(() => {
      const s = statusesAt(receiver, id);
      return s.length >= 3 ? s : undefined;
    });
    expect(statuses.map((s) => s.biz_opaque_callback_data)).toEqual([
      'careline-message-42',
      'careline-message-42',
      'careline-message-42',
    ]);
  });

  it('reports read only when the patient reads, when automatic reading is off', async () => {
    await request(env.baseUrl, 'PATCH', '/_sim/settings', { body: { status_delays_ms: { read: null } } });
    await patientWrites(env.baseUrl, 'hello');
    const id = (await sendText<SendReply>(env.baseUrl, 'hi')).body.messages[0]!.id;
    await waitFor(() => (statusesAt(receiver, id).length >= 2 ? true : undefined));
    await new Promise((resolve) => setTimeout(resolve, 250));
    expect(statusesAt(receiver, id).map((s) => s.status)).toEqual(['sent', 'delivered']);

    const read = await request<{ read: string[] }>(
      env.baseUrl,
      'POST',
      `/_sim/patients/${PATIENT.wa_id}/read`,
    );
    expect(read.body).toEqual({ read: [id] });
    const statuses = await waitFor(() => {
      const s = statusesAt(receiver, id);
      return s.length >= 3 ? s : undefined;
    });
    expect(statuses.map((s) => s.status)).toEqual(['sent', 'delivered', 'read']);
  });

  it('retries a receiver answering 500 twice, then 200: three attempts, one success', async () => {
    receiver.respondWith([500, 500]);
    const sent = await patientWrites(env.baseUrl, 'hello');

    const [record] = await waitFor(async () => {
      const log = await deliveries(env, `?message_id=${encodeURIComponent(sent.body.id)}`);
      return log[0]?.state === 'delivered' ? log : undefined;
    });
    expect(record!.attempts.map((a) => a.status_code)).toEqual([500, 500, 200]);
    expect(record!.attempts.map((a) => a.number)).toEqual([1, 2, 3]);
    expect(record!.id).toBe(sent.body.delivery_id);

    // the same bytes and signature every time
    const posts = receiver.posts();
    expect(posts).toHaveLength(3);
    expect(new Set(posts.map((p) => p.raw.toString('latin1'))).size).toBe(1);
    expect(new Set(posts.map((p) => p.headers['x-hub-signature-256'])).size).toBe(1);
    expect(posts[0]!.raw.toString('utf8')).toBe(record!.body);
  });

  it('treats any answer but 200 as a failure (a 204 is retried)', async () => {
    receiver.respondWith([204]);
    const sent = await patientWrites(env.baseUrl, 'hello');
    const [record] = await waitFor(async () => {
      const log = await deliveries(env, `?message_id=${encodeURIComponent(sent.body.id)}`);
      return log[0]?.state === 'delivered' ? log : undefined;
    });
    expect(record!.attempts.map((a) => a.status_code)).toEqual([204, 200]);
  });

  it('delivers in order per business number: a later webhook waits for the retried one', async () => {
    receiver.respondWith([500]);
    const first = await patientWrites(env.baseUrl, 'first');
    const second = await patientWrites(env.baseUrl, 'second');
    await waitFor(() => (receiver.posts().length >= 3 ? true : undefined));
    const ids = receiver.posts().map((p) => (valueOf(p.raw).messages ?? [])[0]?.id);
    expect(ids).toEqual([first.body.id, first.body.id, second.body.id]);
  });

  it('observes a receiver that is down, and gives up after max_attempts', async () => {
    await request(env.baseUrl, 'PATCH', '/_sim/settings', {
      body: { webhook_retry: { max_attempts: 3, first_delay_ms: 20 } },
    });
    await receiver.close();
    const sent = await patientWrites(env.baseUrl, 'hello');
    const [record] = await waitFor(async () => {
      const log = await deliveries(env, '?state=failed');
      return log.length > 0 ? log : undefined;
    });
    expect(record!.message_id).toBe(sent.body.id);
    expect(record!.attempts).toHaveLength(3);
    expect(record!.attempts.every((a) => a.status_code === null && a.error !== null)).toBe(true);
  });

  it('forgets everything on reset', async () => {
    await patientWrites(env.baseUrl, 'hello');
    await request(env.baseUrl, 'POST', '/_sim/faults/send', { body: { code: 131000 } });
    await request(env.baseUrl, 'POST', '/_sim/patients', {
      body: { wa_id: '447700900123', profile_name: 'Extra' },
    });
    expect((await request(env.baseUrl, 'POST', '/_sim/reset')).status).toBe(204);

    expect(await deliveries(env)).toEqual([]);
    expect((await request<{ data: unknown[] }>(env.baseUrl, 'GET', '/_sim/faults')).body.data).toEqual([]);
    const patients = await request<{ data: { wa_id: string }[] }>(env.baseUrl, 'GET', '/_sim/patients');
    expect(patients.body.data.map((p) => p.wa_id)).toEqual([PATIENT.wa_id]);
    // the window is closed again
    await request(env.baseUrl, 'PATCH', '/_sim/settings', { body: { window_errors: 'sync' } });
    expect((await sendText(env.baseUrl, 'hi')).status).toBe(400);
  });
});

describe('webhook verification handshake', () => {
  let env: RunningSimulator;
  let receiver: Receiver;

  beforeEach(async () => {
    receiver = await startReceiver('the-right-token');
    env = await startSimulator({ businesses: [] });
  });
  afterEach(async () => {
    await env.close();
    await receiver.close();
  });

  it('verifies a receiver that echoes the challenge when the business is registered', async () => {
    const result = await request<{
      webhook_verification: { verified: boolean; challenge: string; status_code: number };
    }>(env.baseUrl, 'POST', '/_sim/businesses', {
      body: { ...BUSINESS, webhook_url: receiver.url, verify_token: 'the-right-token' },
    });
    expect(result.status).toBe(201);
    expect(result.body.webhook_verification).toMatchObject({ verified: true, status_code: 200 });

    const [get] = receiver.requests.filter((r) => r.method === 'GET');
    const query = new URL(get!.url, 'http://x').searchParams;
    expect(query.get('hub.mode')).toBe('subscribe');
    expect(query.get('hub.verify_token')).toBe('the-right-token');
    expect(query.get('hub.challenge')).toMatch(/^\d+$/);
    expect(query.get('hub.challenge')).toBe(result.body.webhook_verification.challenge);
  });

  it('records a failed verification when the receiver refuses the token', async () => {
    const result = await request<{ webhook_verification: { verified: boolean; status_code: number } }>(
      env.baseUrl,
      'POST',
      '/_sim/businesses',
      {
        body: { ...BUSINESS, webhook_url: receiver.url, verify_token: 'a-wrong-token' },
      },
    );
    expect(result.body.webhook_verification).toMatchObject({ verified: false, status_code: 403 });
    const again = await request<{ verified: boolean }>(
      env.baseUrl,
      'POST',
      `/_sim/businesses/${BUSINESS.phone_number_id}/verify-webhook`,
    );
    expect(again.body.verified).toBe(false);
  });
});
