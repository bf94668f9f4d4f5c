// Contract tests of the Graph send API against the real HTTP server: every answer checked is one
// Careline's gateway will meet.
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

// vitest's asymmetric matchers are typed `any`; typed as unknown they stay lint-clean in literals
const anyString = (): unknown => expect.any(String);
const digitString = (): unknown => expect.stringMatching(/^\d+$/);
const matching = (pattern: RegExp): unknown => expect.stringMatching(pattern);

interface GraphErrorReply {
  error: {
    message: string;
    type: string;
    code: number;
    error_subcode?: number;
    error_data: { messaging_product: string; details: string };
    fbtrace_id: string;
  };
}

interface SendReply {
  messaging_product: string;
  contacts: { input: string; wa_id: string }[];
  messages: { id: string; message_status: string }[];
}

interface StatusWebhook {
  entry: {
    changes: {
      value: {
        statuses: {
          id: string;
          status: string;
          errors?: {
            code: number;
            title: string;
            message: string;
            error_data: { details: string };
            href: string;
          }[];
          pricing?: unknown;
        }[];
      };
    }[];
  }[];
}

const WAMID = /^wamid\.[A-Za-z0-9+/]+={0,2}$/;
const MESSAGES_PATH = `/v23.0/${BUSINESS.phone_number_id}/messages`;

function expectGraphError(
  result: { status: number; body: unknown },
  httpStatus: number,
  code: number,
): GraphErrorReply['error'] {
  expect(result.status).toBe(httpStatus);
  const { error } = result.body as GraphErrorReply;
  expect(error.code).toBe(code);
  expect(error.type).toBe('OAuthException');
  expect(error.message.startsWith(`(#${code}) `)).toBe(true);
  expect(error.fbtrace_id).toMatch(/^[A-Za-z0-9_-]{10,}$/);
  expect(typeof error.error_data.details).toBe('string');
  return error;
}

describe('Graph send API', () => {
  let env: RunningSimulator;

  beforeEach(async () => {
    env = await startSimulator();
  });
  afterEach(async () => {
    await env.close();
  });

  it('accepts a text inside the window with exactly the success shape and a real wamid', async () => {
    await patientWrites(env.baseUrl, 'hello');
    const result = await sendText<SendReply>(env.baseUrl, 'Your appointment is confirmed.');

    expect(result.status).toBe(200);
    const { id } = result.body.messages[0]!;
    expect(result.body).toEqual({
      messaging_product: 'whatsapp',
      contacts: [{ input: `+${PATIENT.wa_id}`, wa_id: PATIENT.wa_id }],
      messages: [{ id, message_status: 'accepted' }],
    });
    expect(id).toMatch(WAMID);
    // the wamid embeds the recipient, as Meta's do
    expect(Buffer.from(id.slice('wamid.'.length), 'base64').toString('latin1')).toContain(PATIENT.wa_id);
    const second = await sendText<SendReply>(env.baseUrl, 'again');
    expect(second.body.messages[0]!.id).not.toBe(id);
  });

  it('keeps `to` as given in contacts.input and resolves the wa_id from its digits', async () => {
    await patientWrites(env.baseUrl, 'hello');
    const result = await sendText<SendReply>(env.baseUrl, 'hi', { to: '+1 (650) 555-1234' });
    expect(result.body.contacts).toEqual([{ input: '+1 (650) 555-1234', wa_id: PATIENT.wa_id }]);
  });

  describe('authentication', () => {
    it('answers a missing token with 401 and code 0', async () => {
      const result = await request(env.baseUrl, 'POST', MESSAGES_PATH, {
        body: { messaging_product: 'whatsapp' },
      });
      expectGraphError(result, 401, 0);
    });

    it('answers an unknown token with 401 and code 190', async () => {
      const result = await sendText(env.baseUrl, 'hi', {}, 'not-a-token');
      expectGraphError(result, 401, 190);
    });

    it('answers a malformed Authorization header with 401', async () => {
      const result = await request(env.baseUrl, 'POST', MESSAGES_PATH, {
        headers: { authorization: 'Basic abc' },
        body: {},
      });
      expect(result.status).toBe(401);
    });

    it('answers a valid token used on a phone number it does not cover with 100, subcode 33', async () => {
      const result = await request(env.baseUrl, 'POST', '/v23.0/999999999/messages', {
        token: BUSINESS.access_token,
        body: { messaging_product: 'whatsapp', to: PATIENT.wa_id, type: 'text', text: { body: 'hi' } },
      });
      const error = expectGraphError(result, 400, 100);
      expect(error.error_subcode).toBe(33);
    });
  });

  describe('version segment', () => {
    it.each(['v23', '23.0', 'v23.1', 'vX.0', 'latest'])('refuses %s with a Meta error', async (version) => {
      const result = await request(env.baseUrl, 'POST', `/${version}/${BUSINESS.phone_number_id}/messages`, {
        token: BUSINESS.access_token,
        body: { messaging_product: 'whatsapp', to: PATIENT.wa_id, type: 'text', text: { body: 'hi' } },
      });
      expectGraphError(result, 400, 2500);
    });

    it.each(['v21.0', 'v23.0', 'v99.0'])('accepts %s', async (version) => {
      await patientWrites(env.baseUrl, 'hello');
      const result = await request(env.baseUrl, 'POST', `/${version}/${BUSINESS.phone_number_id}/messages`, {
        token: BUSINESS.access_token,
        body: { messaging_product: 'whatsapp', to: PATIENT.wa_id, type: 'text', text: { body: 'hi' } },
      });
      expect(result.status).toBe(200);
    });
  });

  describe('validation', () => {
    it('reports a missing text body as 131008', async () => {
      const error = expectGraphError(await sendText(env.baseUrl, 'x', { text: {} }), 400, 131008);
      expect(error.error_data.details).toContain("text['body']");
      expectGraphError(await sendText(env.baseUrl, 'x', { text: { body: '' } }), 400, 131008);
      expectGraphError(await sendText(env.baseUrl, 'x', { text: undefined }), 400, 131008);
    });

    it('reports missing envelope fields as 131008 and bad values as 131009', async () => {
      expectGraphError(await sendText(env.baseUrl, 'x', { messaging_product: undefined }), 400, 131008);
      expectGraphError(await sendText(env.baseUrl, 'x', { to: undefined }), 400, 131008);
      expectGraphError(await sendText(env.baseUrl, 'x', { type: undefined }), 400, 131008);
      expectGraphError(await sendText(env.baseUrl, 'x', { messaging_product: 'sms' }), 400, 131009);
      expectGraphError(await sendText(env.baseUrl, 'x', { to: 'not-a-number' }), 400, 131009);
      expectGraphError(await sendText(env.baseUrl, 'x', { recipient_type: 'group' }), 400, 131009);
    });

    it('accepts a body of exactly 4096 characters and refuses 4097 with 131009', async () => {
      await patientWrites(env.baseUrl, 'hello');
      expect((await sendText(env.baseUrl, 'a'.repeat(4096))).status).toBe(200);
      const error = expectGraphError(await sendText(env.baseUrl, 'a'.repeat(4097)), 400, 131009);
      expect(error.error_data.details).toContain('4096');
    });

    it('counts characters, not UTF-16 units: 4096 emoji fit', async () => {
      await patientWrites(env.baseUrl, 'hello');
      expect((await sendText(env.baseUrl, '👋'.repeat(4096))).status).toBe(200);
      expectGraphError(await sendText(env.baseUrl, '👋'.repeat(4097)), 400, 131009);
    });

    it('refuses an unsupported message type with 131051', async () => {
      expectGraphError(await sendText(env.baseUrl, 'x', { type: 'carrier_pigeon' }), 400, 131051);
      const error = expectGraphError(
        await sendText(env.baseUrl, 'x', { type: 'contacts', contacts: [] }),
        400,
        131051,
      );
      expect(error.error_data.details).toContain('not simulated yet');
    });

    it('answers a body that is not JSON with 100', async () => {
      const result = await request(env.baseUrl, 'POST', MESSAGES_PATH, {
        token: BUSINESS.access_token,
        rawBody: '{"messaging_product":',
        headers: { 'content-type': 'application/json' },
      });
      expectGraphError(result, 400, 100);
    });

    it('never echoes the message body in an error', async () => {
      const result = await sendText(env.baseUrl, `secret-${'a'.repeat(4100)}`);
      expect(result.text).not.toContain('secret-');
    });
  });

  describe('mark as read', () => {
    it('marks a received message read, with or without typing indicator', async () => {
      const inbound = await patientWrites(env.baseUrl, 'hello');
      const markRead = await request(env.baseUrl, 'POST', MESSAGES_PATH, {
        token: BUSINESS.access_token,
        body: {
          messaging_product: 'whatsapp',
          status: 'read',
          message_id: inbound.body.id,
          typing_indicator: { type: 'text' },
        },
      });
      expect(markRead.status).toBe(200);
      expect(markRead.body).toEqual({ success: true });

      const sent = await request<{
        data: { id: string; read_at: string | null; typing_indicator_at: string | null }[];
      }>(env.baseUrl, 'GET', `/_sim/patients/${PATIENT.wa_id}/sent`);
      expect(sent.body.data).toEqual([
        expect.objectContaining({
          id: inbound.body.id,
          read_at: anyString(),
          typing_indicator_at: anyString(),
        }),
      ]);
    });

    it('marks earlier messages of the patient read too', async () => {
      const first = await patientWrites(env.baseUrl, 'one');
      const second = await patientWrites(env.baseUrl, 'two');
      await request(env.baseUrl, 'POST', MESSAGES_PATH, {
        token: BUSINESS.access_token,
        body: { messaging_product: 'whatsapp', status: 'read', message_id: second.body.id },
      });
      const sent = await request<{ data: { id: string; read_at: string | null }[] }>(
        env.baseUrl,
        'GET',
        `/_sim/patients/${PATIENT.wa_id}/sent`,
      );
      expect(sent.body.data.map((m) => [m.id, m.read_at !== null])).toEqual([
        [first.body.id, true],
        [second.body.id, true],
      ]);
    });

    it('refuses an unknown message id', async () => {
      const result = await request(env.baseUrl, 'POST', MESSAGES_PATH, {
        token: BUSINESS.access_token,
        body: { messaging_product: 'whatsapp', status: 'read', message_id: 'wamid.unknown' },
      });
      expectGraphError(result, 400, 131009);
    });
  });

  describe('the 24-hour customer service window, synchronous mode', () => {
    beforeEach(async () => {
      await request(env.baseUrl, 'PATCH', '/_sim/settings', { body: { window_errors: 'sync' } });
    });

    it('refuses a text to a patient who never wrote with 131047', async () => {
      expectGraphError(await sendText(env.baseUrl, 'hi'), 400, 131047);
    });

    it('accepts it once the patient wrote, and refuses it again 24 hours later', async () => {
      await patientWrites(env.baseUrl, 'hello');
      expect((await sendText(env.baseUrl, 'hi')).status).toBe(200);
      await request(env.baseUrl, 'POST', '/_sim/clock/advance', { body: { seconds: 24 * 3600 - 5 } });
      expect((await sendText(env.baseUrl, 'still open')).status).toBe(200);
      await request(env.baseUrl, 'POST', '/_sim/clock/advance', { body: { seconds: 10 } });
      expectGraphError(await sendText(env.baseUrl, 'too late'), 400, 131047);
      // a new message from the patient opens it again
      await patientWrites(env.baseUrl, 'back');
      expect((await sendText(env.baseUrl, 'welcome back')).status).toBe(200);
    });
  });

  describe('faults', () => {
    it('fails the next N sends with the given code, then works again', async () => {
      await patientWrites(env.baseUrl, 'hello');
      const added = await request(env.baseUrl, 'POST', '/_sim/faults/send', {
        body: { code: 130429, count: 2 },
      });
      expect(added.status).toBe(201);
      expectGraphError(await sendText(env.baseUrl, 'a'), 400, 130429);
      expectGraphError(await sendText(env.baseUrl, 'b'), 400, 130429);
      expect((await sendText(env.baseUrl, 'c')).status).toBe(200);
    });

    it('fails a ratio of sends until cleared', async () => {
      await patientWrites(env.baseUrl, 'hello');
      await request(env.baseUrl, 'POST', '/_sim/faults/send', { body: { code: 131000, ratio: 1 } });
      expectGraphError(await sendText(env.baseUrl, 'a'), 500, 131000);
      expectGraphError(await sendText(env.baseUrl, 'b'), 500, 131000);
      await request(env.baseUrl, 'DELETE', '/_sim/faults');
      expect((await sendText(env.baseUrl, 'c')).status).toBe(200);
    });

    it('refuses a fault with both count and ratio', async () => {
      const result = await request(env.baseUrl, 'POST', '/_sim/faults/send', {
        body: { code: 131000, ratio: 0.5, count: 2 },
      });
      expect(result.status).toBe(400);
    });
  });
});

describe('Graph send API, asynchronous failures', () => {
  let env: RunningSimulator;
  let receiver: Receiver;

  beforeEach(async () => {
    receiver = await startReceiver();
    env = await startSimulator({
      businesses: [{ ...BUSINESS, webhook_url: receiver.url }],
      patients: [PATIENT, { wa_id: '15550000000', profile_name: 'Nobody', on_whatsapp: false }],
    });
  });
  afterEach(async () => {
    await env.close();
    await receiver.close();
  });

  async function statusesFor(
    id: string,
    until: number,
  ): Promise<StatusWebhook['entry'][number]['changes'][number]['value']['statuses']> {
    return waitFor(() => {
      const all = receiver
        .posts()
        .map((p) => JSON.parse(p.raw.toString('utf8')) as StatusWebhook)
        .flatMap((w) => w.entry[0]!.changes[0]!.value.statuses ?? [])
        .filter((s) => s.id === id);
      return all.length >= until ? all : undefined;
    });
  }

  it('accepts a text outside the window (async mode, the default) and reports failed with 131047', async () => {
    const result = await sendText<SendReply>(env.baseUrl, 'hi');
    expect(result.status).toBe(200);
    const id = result.body.messages[0]!.id;
    const statuses = await statusesFor(id, 1);
    expect(statuses).toEqual([
      {
        id,
        status: 'failed',
        timestamp: digitString(),
        recipient_id: PATIENT.wa_id,
        errors: [
          {
            code: 131047,
            title: 'Re-engagement message',
            message: 'Re-engagement message',
            error_data: { details: anyString() },
            href: matching(/developers\.facebook\.com/),
          },
        ],
      },
    ]);
    // and nothing else follows: no sent, no delivered
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(await statusesFor(id, 1)).toHaveLength(1);
  });

  it('reports failed with 131026 for a number that is not on WhatsApp', async () => {
    const result = await sendText<SendReply>(env.baseUrl, 'hi', { to: '15550000000' });
    expect(result.status).toBe(200);
    const [failed] = await statusesFor(result.body.messages[0]!.id, 1);
    expect(failed).toMatchObject({
      status: 'failed',
      recipient_id: '15550000000',
      errors: [{ code: 131026 }],
    });
  });

  it('reports an asynchronous injected fault as a failed status', async () => {
    await patientWrites(env.baseUrl, 'hello');
    await request(env.baseUrl, 'POST', '/_sim/faults/send', { body: { code: 131048, delivery: 'async' } });
    const result = await sendText<SendReply>(env.baseUrl, 'hi');
    expect(result.status).toBe(200);
    const [failed] = await statusesFor(result.body.messages[0]!.id, 1);
    expect(failed).toMatchObject({ status: 'failed', errors: [{ code: 131048 }] });
    expect(failed!.pricing).toBeUndefined();
  });
});
