// The webhook edge against the real Postgres and Kafka: handshake, signature over raw bytes, what
// lands on `wa.webhook.received.v1` (and what never does), 503 when Kafka does not take it, the
// refusal metrics, and ChannelService over a real gRPC connection.
import { createHash, randomUUID } from 'node:crypto';
import { credentials, Metadata, status as GrpcStatus } from '@grpc/grpc-js';
import {
  ChannelServiceClient,
  type ResolveChannelResponse,
  TOPICS,
  type WebhookReceivedV1,
  sealContext,
  webhookReceivedEvent,
} from '@careline/contracts';
import { metadataForCaller } from '@careline/runtime';
import { signBody } from '@careline/whatsapp';
import { signWebhook, toMetaJson, webhookPayload } from '@careline/whatsapp/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SECRET_MARKER, TENANT_A, TENANT_B, channelFixtures } from './test/fixtures';
import { type TestGateway, readEvents, startTestGateway } from './test/harness';

const [channelA, channelB, channelOtherApp] = channelFixtures();
const PATIENT_MARKER = 'PATIENTMARK';
const MAX_BYTES = 2 * 1024 * 1024;

let gateway: TestGateway;

beforeAll(async () => {
  gateway = await startTestGateway({ WEBHOOK_MAX_BYTES: String(MAX_BYTES) });
});

afterAll(async () => {
  await gateway?.stop();
});

function inboundText(phoneNumberId: string, body: string, wamid: string) {
  return webhookPayload({
    phoneNumberId,
    wabaId: channelFixtures().find((c) => c.phone_number_id === phoneNumberId)?.waba_id ?? '1',
    contacts: [{ profile: { name: `Zoë ${PATIENT_MARKER}` }, wa_id: '16505551234' }],
    messages: [{ from: '16505551234', id: wamid, timestamp: '1749416383', type: 'text', text: { body } }],
  });
}

async function post(body: Uint8Array | string, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${gateway.baseUrl}/webhooks/whatsapp`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : Buffer.from(body),
  });
}

function signed(payload: unknown, secret = channelA!.app_secret) {
  const { body, signature } = signWebhook(payload, secret);
  return { body, headers: { 'x-hub-signature-256': signature } };
}

const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

async function opened(event: WebhookReceivedV1): Promise<Buffer> {
  return Buffer.from(await gateway.sealer.open(event.tenantId, event.body!, sealContext(TOPICS.webhookReceived, event.bodySha256)));
}

describe('GET /webhooks/whatsapp (verification handshake)', () => {
  it('answers the raw challenge as text/plain for the right verify token', async () => {
    const query = new URLSearchParams({ 'hub.mode': 'subscribe', 'hub.challenge': '1158201444', 'hub.verify_token': `verify-${SECRET_MARKER}` });
    const response = await fetch(`${gateway.baseUrl}/webhooks/whatsapp?${query.toString()}`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(await response.text()).toBe('1158201444');
  });

  it('refuses a wrong verify token or mode with 403', async () => {
    const cases: Record<string, string>[] = [
      { 'hub.mode': 'subscribe', 'hub.challenge': '1158201444', 'hub.verify_token': 'wrong' },
      { 'hub.mode': 'unsubscribe', 'hub.challenge': '1158201444', 'hub.verify_token': `verify-${SECRET_MARKER}` },
      { 'hub.challenge': '1158201444' },
    ];
    for (const params of cases) {
      const response = await fetch(`${gateway.baseUrl}/webhooks/whatsapp?${new URLSearchParams(params).toString()}`);
      expect(response.status).toBe(403);
      expect(await response.text()).not.toContain('1158201444');
    }
  });
});

describe('POST /webhooks/whatsapp', () => {
  const first = inboundText(channelA!.phone_number_id, `Olá, está aberto amanhã? ${PATIENT_MARKER}`, 'wamid.first');
  const firstSigned = signed(first);

  it('publishes one WebhookReceivedV1 whose sealed body opens to the exact bytes Meta sent', async () => {
    const rawText = new TextDecoder().decode(firstSigned.body);
    expect(rawText).toContain('Ol\\u00e1'); // Meta's escapes: a re-serialised body would differ
    const response = await post(firstSigned.body, firstSigned.headers);
    expect(response.status).toBe(200);

    const events = await readEvents(gateway.kafka, webhookReceivedEvent, (read) => read.length >= 1);
    expect(events).toHaveLength(1);
    const [event] = events;
    expect(event!.tenantId).toBe(TENANT_A);
    expect(event!.key).toBe(channelA!.phone_number_id);
    expect(event!.source).toBe('/careline/gateway');
    expect(event!.payload).toMatchObject({
      tenantId: TENANT_A,
      phoneNumberIds: [channelA!.phone_number_id],
      wabaIds: [channelA!.waba_id],
      bodySha256: sha256(firstSigned.body),
    });
    expect((await opened(event!.payload)).equals(Buffer.from(firstSigned.body))).toBe(true);
    // sealed for tenant A only
    await expect(gateway.sealer.open(TENANT_B, event!.payload.body!, sealContext(TOPICS.webhookReceived, event!.payload.bodySha256))).rejects.toThrow();
  });

  it('refuses bad, missing and malformed signatures with 401', async () => {
    const other = inboundText(channelA!.phone_number_id, `forged ${PATIENT_MARKER}`, 'wamid.forged');
    const wrongSecret = signed(other, `not-our-secret-${SECRET_MARKER}`);
    expect((await post(wrongSecret.body, wrongSecret.headers)).status).toBe(401);
    expect((await post(wrongSecret.body)).status).toBe(401);
    const upper = signBody(wrongSecret.body, channelA!.app_secret).toUpperCase().replace('SHA256=', 'sha256=');
    const response = await post(wrongSecret.body, { 'x-hub-signature-256': upper });
    expect(response.status).toBe(401);
    expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(await response.json()).toMatchObject({ code: 'bad_signature', status: 401 });
    // the body is the signed one, a byte changed after signing
    const tampered = Buffer.from(firstSigned.body);
    tampered[tampered.length - 3] = 0x20;
    expect((await post(tampered, firstSigned.headers)).status).toBe(401);
  });

  it('refuses a body over WEBHOOK_MAX_BYTES with 413', async () => {
    const big = signed(inboundText(channelA!.phone_number_id, 'x'.repeat(MAX_BYTES), 'wamid.big'));
    expect((await post(big.body, big.headers)).status).toBe(413);
  });

  it('refuses a signed body that is not JSON with 400', async () => {
    const text = `not json ${PATIENT_MARKER}`;
    const response = await post(text, { 'content-type': 'text/plain', 'x-hub-signature-256': signBody(text, channelA!.app_secret) });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ code: 'not_json' });
  });

  it("refuses with 403 a body signed by one Meta app that names another app's number", async () => {
    const mixed = signed(inboundText(channelA!.phone_number_id, 'x', 'wamid.mixed'), channelOtherApp!.app_secret);
    const response = await post(mixed.body, mixed.headers);
    expect(response.status).toBe(403);
    expect(await response.json()).toMatchObject({ code: 'app_mismatch' });
  });

  it('answers 200 for numbers it does not know, and publishes nothing for them', async () => {
    const stranger = signed(inboundText('999000999', `not ours ${PATIENT_MARKER}`, 'wamid.stranger'));
    const response = await post(stranger.body, stranger.headers);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ignored' });
  });

  it('published nothing for any refused or foreign POST (a sentinel ends the read)', async () => {
    const sentinel = signed(inboundText(channelB!.phone_number_id, 'sentinel', 'wamid.sentinel'));
    expect((await post(sentinel.body, sentinel.headers)).status).toBe(200);
    const sentinelSha = sha256(sentinel.body);
    const events = await readEvents(gateway.kafka, webhookReceivedEvent, (read) => read.some((e) => e.payload.bodySha256 === sentinelSha));
    expect(events.map((e) => [e.tenantId, e.payload.bodySha256])).toEqual([
      [TENANT_A, sha256(firstSigned.body)],
      [TENANT_B, sentinelSha],
    ]);
  });

  it('answers 503 while Kafka does not take the event, and 200 once it does again', async () => {
    const payload = signed(inboundText(channelA!.phone_number_id, 'later', 'wamid.later'));
    await gateway.app.producer.stop();
    try {
      const response = await post(payload.body, payload.headers);
      expect(response.status).toBe(503);
      const problem = (await response.json()) as Record<string, unknown>;
      expect(problem).toMatchObject({ code: 'kafka_unavailable', status: 503 });
      expect(JSON.stringify(problem)).not.toContain(TOPICS.webhookReceived);
    } finally {
      await gateway.app.producer.start();
    }
    expect((await post(payload.body, payload.headers)).status).toBe(200);
  });

  it('counts refusals by reason on /metrics', async () => {
    const text = await (await fetch(`${gateway.baseUrl}/metrics`)).text();
    const count = (reason: string): number => {
      const line = text.split('\n').find((l) => l.startsWith('gateway_webhooks_refused_total{') && l.includes(`reason="${reason}"`));
      return Number(line?.split(' ').at(-1));
    };
    expect(count('bad_signature')).toBe(4);
    expect(count('too_large')).toBe(1);
    expect(count('not_json')).toBe(1);
    expect(count('app_mismatch')).toBe(1);
    expect(count('unknown_number')).toBe(1);
    expect(count('kafka_unavailable')).toBe(1);
    expect(text).toMatch(/^gateway_webhooks_accepted_total\{service="gateway"\} 3$/m);
    expect(text).toMatch(/^gateway_webhook_publish_duration_seconds_count\{(?=[^}]*outcome="ok")[^}]*\} 3$/m);
  });

  it('never logs patient data or secrets', () => {
    const logs = gateway.logs.text();
    expect(logs).toContain('webhook published');
    expect(logs).not.toContain(PATIENT_MARKER);
    expect(logs).not.toContain(SECRET_MARKER);
    expect(logs).not.toContain('16505551234');
  });
});

describe('ChannelService.ResolveChannel (gRPC)', () => {
  const service = metadataForCaller({ actor: 'service:ingest', roles: [] });
  function resolve(phoneNumberId: string, metadata: Metadata = service): Promise<ResolveChannelResponse> {
    const client = new ChannelServiceClient(gateway.grpcAddress, credentials.createInsecure());
    return new Promise<ResolveChannelResponse>((resolvePromise, reject) => {
      client.resolveChannel({ phoneNumberId }, metadata, (error, response) => {
        client.close();
        if (error) reject(error);
        else resolvePromise(response);
      });
    });
  }

  it('returns tenant, display number and WABA, never credentials', async () => {
    const response = await resolve(channelB!.phone_number_id);
    expect(response).toEqual({
      channel: {
        phoneNumberId: channelB!.phone_number_id,
        tenantId: TENANT_B,
        displayPhoneNumber: channelB!.display_phone_number,
        wabaId: channelB!.waba_id,
      },
    });
    expect(JSON.stringify(response)).not.toContain(SECRET_MARKER);
  });

  it('answers NOT_FOUND for an unknown number and INVALID_ARGUMENT for a malformed one', async () => {
    await expect(resolve('123456')).rejects.toMatchObject({ code: GrpcStatus.NOT_FOUND });
    await expect(resolve('not-digits')).rejects.toMatchObject({ code: GrpcStatus.INVALID_ARGUMENT });
  });

  it("tells a caller acting in a tenant only about its own numbers, and needs a caller", async () => {
    const own = await resolve(channelB!.phone_number_id, metadataForCaller({ tenantId: TENANT_B, actor: 'user:b', roles: ['admin'] }));
    expect(own.channel?.tenantId).toBe(TENANT_B);
    await expect(
      resolve(channelB!.phone_number_id, metadataForCaller({ tenantId: randomUUID(), actor: 'user:x', roles: ['admin'] })),
    ).rejects.toMatchObject({ code: GrpcStatus.NOT_FOUND });
    await expect(resolve(channelB!.phone_number_id, metadataForCaller({ actor: 'user:x', roles: ['admin'] }))).rejects.toMatchObject({
      code: GrpcStatus.PERMISSION_DENIED,
    });
    await expect(resolve(channelB!.phone_number_id, new Metadata())).rejects.toMatchObject({ code: GrpcStatus.UNAUTHENTICATED });
  });
});

// Meta's bodies go up to 3 MB: the raw route must not fall back to the HTTP server's 1 MiB default,
// and the event must fit the topic (provisioned with a larger max.message.bytes, see the harness).
describe('a Meta-sized webhook', () => {
  it('is published whole when it is over 1 MiB and under WEBHOOK_MAX_BYTES', async () => {
    const payload = inboundText(channelA!.phone_number_id, 'y'.repeat(MAX_BYTES - 100_000), 'wamid.near-limit');
    const body = new TextEncoder().encode(toMetaJson(payload));
    expect(body.length).toBeGreaterThan(1024 * 1024);
    expect(body.length).toBeLessThan(MAX_BYTES);
    const response = await post(body, { 'x-hub-signature-256': signBody(body, channelA!.app_secret) });
    expect(response.status).toBe(200);
    const events = await readEvents(gateway.kafka, webhookReceivedEvent, (read) => read.some((e) => e.payload.bodySha256 === sha256(body)));
    expect((await opened(events.at(-1)!.payload)).equals(Buffer.from(body))).toBe(true);
  });
});
