// The api over real sockets: HTTP on loopback in front of the real gRPC client, talking to a real
// grpc-js server that implements MessagingService (the in-test fake of the contract: messaging is
// another team's process, and the end-to-end suite runs the real one). What crosses the wire is
// what is checked: caller metadata from the token, trace context, status codes and Careline error
// trailers, deadlines, health, a server that goes away and comes back.
import { type Server as HttpServer, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createTestAuth, TEST_AUDIENCE, TEST_ISSUER, type TestAuth } from '@careline/auth/testing';
import { MessagingServiceDefinition, type Conversation } from '@careline/contracts';
import { type GrpcServer, createGrpcServer, grpcService, parseTraceparent } from '@careline/runtime';
import { captureLogger } from '@careline/runtime/testing';
import { waitFor } from '@careline/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type TestApp, buildTestApp, testConfig } from './testing/app';
import { type FakeMessaging, createFakeMessaging, sampleConversation } from './testing/fake-messaging';

const OTHER_TENANT = '6f1c2d3e-4a5b-4c6d-8e7f-8091a2b3c4d5';

interface Messaging {
  fake: FakeMessaging;
  server: GrpcServer;
  port: number;
  setHealthy(healthy: boolean): void;
  stop(): Promise<void>;
}

/** The fake MessagingService on a real gRPC server (with the runtime's health service). */
async function startMessaging(fake: FakeMessaging, port = 0): Promise<Messaging> {
  const { logger } = captureLogger({ name: 'fake-messaging' });
  let healthy = true;
  const server = createGrpcServer({
    name: 'fake-messaging',
    host: '127.0.0.1',
    port,
    logger,
    services: [grpcService(MessagingServiceDefinition, fake.handlers(logger))],
    readiness: [{ name: 'fake', check: () => healthy }],
    shutdownGraceMs: 200,
  });
  await server.resource.start();
  return {
    fake,
    server,
    port: server.port() ?? 0,
    setHealthy: (value) => {
      healthy = value;
    },
    stop: () => server.resource.stop(),
  };
}

let auth: TestAuth;
let fake: FakeMessaging;
let messaging: Messaging;
let app: TestApp;
let base: string;
let own: Conversation;
let closed: Conversation;
let foreign: Conversation;

async function startApi(env: Record<string, string | undefined> = {}, withVerifier = true): Promise<void> {
  app = await buildTestApp(
    testConfig({ MESSAGING_GRPC_URL: `127.0.0.1:${messaging.port}`, MESSAGING_GRPC_TIMEOUT: '1s', ...env }),
    withVerifier ? { verifier: auth.verifier } : {},
  );
  await app.lifecycle.start();
  base = `http://127.0.0.1:${app.http.address()?.port}`;
}

function call(path: string, init: RequestInit & { token?: string } = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  if (init.token) headers.set('authorization', `Bearer ${init.token}`);
  if (init.body !== undefined) headers.set('content-type', 'application/json');
  return fetch(`${base}${path}`, { ...init, headers });
}

async function problem(response: Response): Promise<Record<string, unknown>> {
  expect(response.headers.get('content-type')).toBe('application/problem+json; charset=utf-8');
  return (await response.json()) as Record<string, unknown>;
}

beforeEach(async () => {
  auth = await createTestAuth();
  fake = createFakeMessaging();
  own = fake.add(sampleConversation({ tenantId: auth.tenantId }));
  closed = fake.add(
    sampleConversation({ tenantId: auth.tenantId, windowOpenUntil: new Date(Date.now() - 7 * 3600_000) }),
  );
  foreign = fake.add(sampleConversation({ tenantId: OTHER_TENANT }));
  messaging = await startMessaging(fake);
});

afterEach(async () => {
  await app.close();
  await messaging.stop();
});

describe('the caller crosses to messaging in gRPC metadata, from the token only', () => {
  it('sends tenant, actor and roles of the token and the request trace; a tenantId in the query is ignored', async () => {
    await startApi();
    const token = await auth.mint({ roles: ['nurse', 'front_desk'], subject: 'nurse-42' });
    const traceparent = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
    const response = await call(`/v1/conversations?tenantId=${OTHER_TENANT}`, {
      token,
      headers: { traceparent },
    });
    expect(response.status).toBe(200);
    const body = (await response.json()) as { items: { id: string }[] };
    expect(body.items.map((item) => item.id).sort()).toEqual([own.id, closed.id].sort());

    const [recorded] = fake.calls;
    expect(recorded?.metadata).toMatchObject({
      'x-careline-tenant': auth.tenantId,
      'x-careline-actor': 'user:nurse-42',
      'x-careline-roles': 'nurse,front_desk',
    });
    expect(recorded?.caller).toEqual({
      tenantId: auth.tenantId,
      actor: 'user:nurse-42',
      roles: ['nurse', 'front_desk'],
    });
    // same trace, a new span of the api's
    expect(parseTraceparent(recorded?.traceparent ?? '')?.traceId).toBe('0af7651916cd43dd8448eb211c80319c');
    expect(response.headers.get('traceparent')).toContain('0af7651916cd43dd8448eb211c80319c');
  });

  it("continues a client's trace into the reply: the queued message names the trace the console sent", async () => {
    await startApi();
    const token = await auth.mint({ roles: ['nurse'], subject: 'nurse-9' });
    // what the console does: reply under the trace id of the patient message it answers
    const answered = '4bf92f3577b34da6a3ce929d0e0e4736';
    const response = await call(`/v1/conversations/${own.id}/messages`, {
      token,
      method: 'POST',
      headers: { 'idempotency-key': 'k-trace', traceparent: `00-${answered}-00f067aa0ba902b7-01` },
      body: JSON.stringify({ text: 'On our way.' }),
    });
    expect(response.status).toBe(202);
    expect(await response.json()).toMatchObject({ traceId: answered });
    const recorded = fake.calls.find((c) => c.method === 'sendText');
    const forwarded = parseTraceparent(recorded?.traceparent ?? '');
    expect(forwarded?.traceId).toBe(answered);
    // a span of the api's own, not the console's copied through
    expect(forwarded?.spanId).not.toBe('00f067aa0ba902b7');
  });

  it("ignores a tenantId in the body of a reply: the message is queued in the token's tenant", async () => {
    await startApi();
    const token = await auth.mint({ roles: ['clinician'], subject: 'dr-who' });
    const response = await call(`/v1/conversations/${own.id}/messages`, {
      token,
      method: 'POST',
      headers: { 'idempotency-key': 'k-1' },
      body: JSON.stringify({ text: 'See you at 10.', tenantId: OTHER_TENANT }),
    });
    expect(response.status).toBe(202);
    expect(await response.json()).toMatchObject({
      content: { type: 'text', text: 'See you at 10.' },
      status: { state: 'queued' },
      sentBy: 'user:dr-who',
    });
    const recorded = fake.calls.find((c) => c.method === 'sendText');
    expect(recorded?.metadata?.['x-careline-tenant']).toBe(auth.tenantId);
    expect(recorded?.request).toEqual({
      conversationId: own.id,
      text: 'See you at 10.',
      idempotencyKey: 'k-1',
      replyToMessageId: '',
    });
  });
});

describe('gRPC errors leave as problem+json', () => {
  it("NOT_FOUND (another tenant's conversation) → 404 conversation_not_found", async () => {
    await startApi();
    const token = await auth.mint({ roles: ['nurse'] });
    for (const path of [`/v1/conversations/${foreign.id}`, `/v1/conversations/${foreign.id}/messages`]) {
      const response = await call(path, { token });
      expect(response.status, path).toBe(404);
      expect(await problem(response)).toMatchObject({
        status: 404,
        code: 'conversation_not_found',
        details: { conversationId: foreign.id },
      });
    }
    expect(fake.calls.map((c) => c.metadata?.['x-careline-tenant'])).toEqual([auth.tenantId, auth.tenantId]);
  });

  it('FAILED_PRECONDITION window_closed → 409 window_closed with when the window closed', async () => {
    await startApi();
    const token = await auth.mint({ roles: ['nurse'] });
    const response = await call(`/v1/conversations/${closed.id}/messages`, {
      token,
      method: 'POST',
      body: JSON.stringify({ text: 'Are you there?' }),
    });
    expect(response.status).toBe(409);
    expect(await problem(response)).toMatchObject({
      status: 409,
      code: 'window_closed',
      type: 'urn:careline:problem:window_closed',
      details: { conversationId: closed.id, windowClosedAt: closed.windowOpenUntil?.toISOString() },
    });
  });

  it('messaging down → 503 service_unavailable and not ready; back up → served again', async () => {
    await startApi();
    const token = await auth.mint({ roles: ['nurse'] });
    expect((await call('/readyz')).status).toBe(200);
    const port = messaging.port;
    await messaging.stop();

    const response = await call('/v1/conversations', { token });
    expect(response.status).toBe(503);
    expect(await problem(response)).toMatchObject({
      status: 503,
      code: 'service_unavailable',
      retryable: true,
      details: { service: 'messaging' },
    });
    const ready = await call('/readyz');
    expect(ready.status).toBe(503);
    expect(((await ready.json()) as { failing: { name: string }[] }).failing.map((f) => f.name)).toEqual([
      'messaging',
    ]);

    messaging = await startMessaging(fake, port);
    await waitFor(async () => (await call('/v1/conversations', { token })).status === 200, {
      message: 'the api reconnects to a restarted messaging',
      timeoutMs: 15_000,
      intervalMs: 250,
    });
    expect((await call('/readyz')).status).toBe(200);
  });

  it('a messaging that does not answer in time → 503 service_unavailable after the deadline', async () => {
    await startApi({ MESSAGING_GRPC_TIMEOUT: '300ms' });
    fake.setLatency(2000);
    const token = await auth.mint({ roles: ['nurse'] });
    const started = Date.now();
    const response = await call('/v1/conversations', { token });
    expect(response.status).toBe(503);
    expect((await problem(response))['code']).toBe('service_unavailable');
    expect(Date.now() - started).toBeLessThan(1500);
  });

  it("readiness follows messaging's gRPC health (NOT_SERVING → /readyz 503)", async () => {
    await startApi();
    expect(await (await call('/readyz')).json()).toEqual({ status: 'ready', checks: ['messaging'] });
    messaging.setHealthy(false);
    const ready = await call('/readyz');
    expect(ready.status).toBe(503);
    expect(await ready.json()).toEqual({
      status: 'not_ready',
      failing: [{ name: 'messaging', reason: 'messaging reports NOT_SERVING' }],
    });
  });
});

describe('development issuer and an OIDC provider together', () => {
  let jwksServer: HttpServer | undefined;
  afterEach(async () => {
    if (jwksServer) await new Promise((resolve) => jwksServer?.close(resolve));
    jwksServer = undefined;
  });

  it("accepts dev tokens and the provider's tokens (keys from its JWKS URL); 503 issuer_unavailable while it is down", async () => {
    const provider = await createTestAuth(); // plays the OIDC provider: issuer TEST_ISSUER, its own key
    let serveKeys = true;
    jwksServer = createServer((request, response) => {
      if (!serveKeys || request.url !== '/jwks.json') {
        response.writeHead(500).end();
        return;
      }
      response
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify(provider.issuer.publicJwks()));
    });
    await new Promise<void>((resolve) => jwksServer?.listen(0, '127.0.0.1', resolve));
    const jwksPort = (jwksServer.address() as AddressInfo).port;
    await startApi(
      {
        CARELINE_DEV_AUTH: 'true',
        CARELINE_AUTH_ISSUER: TEST_ISSUER,
        CARELINE_AUTH_AUDIENCE: TEST_AUDIENCE,
        CARELINE_AUTH_JWKS_URL: `http://127.0.0.1:${jwksPort}/jwks.json`,
      },
      false,
    );

    const minted = await call('/dev/token', {
      method: 'POST',
      body: JSON.stringify({ subject: 'dev-user', tenantId: auth.tenantId, roles: ['nurse'] }),
    });
    const devToken = ((await minted.json()) as { access_token: string }).access_token;
    expect((await call('/v1/me', { token: devToken })).status).toBe(200);

    const providerToken = await provider.mint({
      roles: ['nurse'],
      subject: 'oidc-user',
      tenantId: auth.tenantId,
    });
    // the provider's keys cannot be fetched: not the caller's fault
    serveKeys = false;
    const unavailable = await call('/v1/me', { token: providerToken });
    expect(unavailable.status).toBe(503);
    expect((await problem(unavailable))['code']).toBe('issuer_unavailable');
    // dev tokens never depend on the provider
    expect((await call('/v1/me', { token: devToken })).status).toBe(200);

    serveKeys = true;
    const me = await call('/v1/me', { token: providerToken });
    expect(me.status).toBe(200);
    expect(await me.json()).toMatchObject({ subject: 'oidc-user', tenantId: auth.tenantId });
    expect((await call('/v1/me', { token: devToken })).status).toBe(200);
  });
});
