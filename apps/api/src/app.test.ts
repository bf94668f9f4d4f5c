// The REST edge in-process (app.inject): authentication and permissions on every route,
// validation errors as problem+json naming the field, the tenant taken from the token only,
// error translation, dev endpoints, CORS. MessagingService is the in-memory fake here; the
// integration tests put it behind a real gRPC server.
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { AuthError, type DevTokenRequest, createDevIssuer, permissionsForRoles } from '@careline/auth';
import { TEST_AUDIENCE, TEST_ISSUER, type TestAuth, createTestAuth } from '@careline/auth/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { InjectOptions } from 'fastify';
import { type Conversation, MessageState } from '@careline/contracts';
import { problemSchema } from './schemas/common';
import { conversationPageSchema, conversationSchema } from './schemas/conversations';
import { messagePageSchema, messageSchema } from './schemas/messages';
import { type TestApp, buildTestApp, testConfig } from './testing/app';
import {
  type FakeMessaging,
  createFakeMessaging,
  sampleConversation,
  sampleMessage,
} from './testing/fake-messaging';

const PATIENT_NAME = 'Zed Patientmarker';
const PATIENT_PHONE = '+15550001234';
const PATIENT_TEXT = 'my-secret-symptom-marker';

let auth: TestAuth;
let fake: FakeMessaging;
let app: TestApp;
let own: Conversation;
let closed: Conversation;
let foreign: Conversation;

function inject(options: InjectOptions) {
  return app.http.app.inject(options);
}

function bearer(token: string) {
  return { authorization: `Bearer ${token}` };
}

function problemOf(response: { statusCode: number; headers: Record<string, unknown>; json: () => unknown }) {
  expect(response.headers['content-type']).toBe('application/problem+json; charset=utf-8');
  return problemSchema.parse(response.json());
}

function base64url(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

/** Mints with the fixture's key but other claims (another clock, another audience). */
async function mintWith(
  options: { now?: () => Date; audience?: string },
  request: Partial<DevTokenRequest> = {},
) {
  const issuer = await createDevIssuer({
    issuer: TEST_ISSUER,
    audience: options.audience ?? TEST_AUDIENCE,
    privateJwk: auth.issuer.exportPrivateJwk(),
    ...(options.now ? { now: options.now } : {}),
  });
  return issuer.mint({ subject: 'user-1', tenantId: auth.tenantId, roles: ['nurse'], ...request });
}

const PROTECTED: { name: string; method: 'GET' | 'POST'; url: () => string; permission?: string }[] = [
  { name: 'GET /v1/me', method: 'GET', url: () => '/v1/me' },
  {
    name: 'GET /v1/conversations',
    method: 'GET',
    url: () => '/v1/conversations',
    permission: 'conversations:read',
  },
  {
    name: 'GET /v1/conversations/{id}',
    method: 'GET',
    url: () => `/v1/conversations/${own.id}`,
    permission: 'conversations:read',
  },
  {
    name: 'GET /v1/conversations/{id}/messages',
    method: 'GET',
    url: () => `/v1/conversations/${own.id}/messages`,
    permission: 'conversations:read',
  },
  {
    name: 'POST /v1/conversations/{id}/messages',
    method: 'POST',
    url: () => `/v1/conversations/${own.id}/messages`,
    permission: 'messages:send',
  },
];

beforeEach(async () => {
  auth = await createTestAuth();
  fake = createFakeMessaging();
  own = fake.add(
    sampleConversation({
      tenantId: auth.tenantId,
      patientDisplayName: PATIENT_NAME,
      patientPhoneNumber: PATIENT_PHONE,
    }),
    [],
  );
  fake.add(own, [
    sampleMessage({ conversationId: own.id, content: { $case: 'text', value: { body: PATIENT_TEXT } } }),
  ]);
  closed = fake.add(
    sampleConversation({ tenantId: auth.tenantId, windowOpenUntil: new Date(Date.now() - 3600_000) }),
  );
  foreign = fake.add(sampleConversation({ tenantId: '6f1c2d3e-4a5b-4c6d-8e7f-8091a2b3c4d5' }));
  app = await buildTestApp(testConfig(), { verifier: auth.verifier, messaging: fake.client });
});

afterEach(() => app.close());

describe('authentication', () => {
  it.each(PROTECTED)('$name without a token is 401 token_missing with a Bearer challenge', async (route) => {
    const response = await inject({
      method: route.method,
      url: route.url(),
      payload: route.method === 'POST' ? { text: 'hi' } : undefined,
    });
    expect(response.statusCode).toBe(401);
    expect(problemOf(response)).toMatchObject({
      status: 401,
      code: 'token_missing',
      type: 'urn:careline:problem:token_missing',
    });
    expect(response.headers['www-authenticate']).toBe('Bearer realm="careline"');
    expect(fake.calls).toEqual([]);
  });

  it('refuses an expired token (401 token_expired)', async () => {
    const token = await mintWith({ now: () => new Date(Date.now() - 3 * 3600_000) });
    const response = await inject({ method: 'GET', url: '/v1/conversations', headers: bearer(token) });
    expect(response.statusCode).toBe(401);
    expect(problemOf(response).code).toBe('token_expired');
    expect(response.headers['www-authenticate']).toBe('Bearer realm="careline", error="invalid_token"');
  });

  it('refuses a token for another audience (401 token_wrong_audience)', async () => {
    const token = await mintWith({ audience: 'some-other-api' });
    const response = await inject({ method: 'GET', url: '/v1/conversations', headers: bearer(token) });
    expect(response.statusCode).toBe(401);
    expect(problemOf(response).code).toBe('token_wrong_audience');
  });

  it('refuses an unsigned alg:none token (401 token_alg_not_allowed) and never echoes it', async () => {
    const now = Math.floor(Date.now() / 1000);
    const token = `${base64url({ alg: 'none', typ: 'JWT' })}.${base64url({
      iss: TEST_ISSUER,
      aud: TEST_AUDIENCE,
      sub: 'intruder',
      exp: now + 600,
      'https://careline.health/tenant': auth.tenantId,
      'https://careline.health/roles': ['nurse'],
    })}.`;
    const response = await inject({ method: 'GET', url: '/v1/conversations', headers: bearer(token) });
    expect(response.statusCode).toBe(401);
    expect(problemOf(response).code).toBe('token_alg_not_allowed');
    expect(response.body).not.toContain(token.slice(0, 20));
    expect(fake.calls).toEqual([]);
  });

  it('refuses a token signed by a key it does not trust, and a non-Bearer scheme', async () => {
    const stranger = await createTestAuth();
    const forged = await stranger.mint({ roles: ['nurse'], tenantId: auth.tenantId });
    const response = await inject({ method: 'GET', url: '/v1/me', headers: bearer(forged) });
    expect(problemOf(response).code).toBe('token_invalid_signature');
    const basic = await inject({
      method: 'GET',
      url: '/v1/me',
      headers: { authorization: 'Basic dXNlcjpwYXNz' },
    });
    expect(basic.statusCode).toBe(401);
    expect(problemOf(basic).code).toBe('token_malformed');
  });

  it('answers 503 issuer_unavailable when the identity provider cannot be reached', async () => {
    await app.close();
    const verifier = {
      verify: () =>
        Promise.reject(new AuthError('issuer_unavailable', "the issuer's signing keys could not be fetched")),
    };
    app = await buildTestApp(testConfig(), { verifier, messaging: fake.client });
    const response = await inject({ method: 'GET', url: '/v1/conversations', headers: bearer('x.y.z') });
    expect(response.statusCode).toBe(503);
    expect(problemOf(response)).toMatchObject({ code: 'issuer_unavailable', retryable: true });
  });
});

describe('sign-ins, failed sign-ins and refusals are audit events', () => {
  const actions = () => app.auditEvents.map(({ event }) => event.action);

  it('records a sign-in once per token, before the first request is served', async () => {
    const token = await auth.mint({ roles: ['nurse'], subject: 'nurse-9' });
    for (let i = 0; i < 3; i += 1) {
      expect((await inject({ method: 'GET', url: '/v1/conversations', headers: bearer(token) })).statusCode).toBe(200);
    }
    expect(app.auditEvents).toHaveLength(1);
    const [login] = app.auditEvents;
    expect(login?.event).toMatchObject({
      tenantId: auth.tenantId,
      action: 'auth.login',
      actor: { id: 'user:nurse-9' },
      detail: { roles: 'nurse', route: 'GET /v1/conversations' },
    });
    // the id comes from the token, so another api instance records the same sign-in under the same ce_id
    const other = await buildTestApp(testConfig(), { verifier: auth.verifier, messaging: fake.client });
    try {
      await other.http.app.inject({ method: 'GET', url: '/v1/me', headers: bearer(token) });
      expect(other.auditEvents.map((e) => e.id)).toEqual([login?.id]);
    } finally {
      await other.close();
    }
    const second = await auth.mint({ roles: ['nurse'], subject: 'nurse-9' });
    await inject({ method: 'GET', url: '/v1/me', headers: bearer(second) });
    expect(actions()).toEqual(['auth.login', 'auth.login']);
  });

  it('refuses to serve a first request whose sign-in cannot be recorded (503 audit_unavailable), then records it', async () => {
    await app.close();
    let up = false;
    const published: string[] = [];
    app = await buildTestApp(testConfig(), {
      verifier: auth.verifier,
      messaging: fake.client,
      publishAudit: (event) => {
        if (!up) return Promise.reject(new Error('broker down'));
        published.push(event.action);
        return Promise.resolve();
      },
    });
    const token = await auth.mint({ roles: ['nurse'] });
    const refused = await inject({ method: 'GET', url: '/v1/conversations', headers: bearer(token) });
    expect(refused.statusCode).toBe(503);
    expect(problemOf(refused)).toMatchObject({ code: 'audit_unavailable', retryable: true });
    expect(fake.calls).toEqual([]);
    up = true;
    expect((await inject({ method: 'GET', url: '/v1/conversations', headers: bearer(token) })).statusCode).toBe(200);
    expect(published).toEqual(['auth.login']);
  });

  it('records a refused token under the tenant it claims, and nothing for a request without one', async () => {
    await inject({ method: 'GET', url: '/v1/conversations' });
    expect(app.auditEvents).toEqual([]);
    const expired = await mintWith({ now: () => new Date(Date.now() - 3 * 3600_000) }, { subject: 'nurse-3' });
    await inject({ method: 'GET', url: '/v1/conversations', headers: bearer(expired) });
    await inject({ method: 'GET', url: '/v1/me', headers: { authorization: 'Bearer not-a-jwt' } });
    expect(app.auditEvents.map(({ event }) => event)).toMatchObject([
      {
        tenantId: auth.tenantId,
        action: 'auth.login_failed',
        actor: { id: 'unverified:nurse-3' },
        detail: { reason: 'token_expired', route: 'GET /v1/conversations' },
      },
      { tenantId: '00000000-0000-0000-0000-000000000000', action: 'auth.login_failed', actor: { id: '' }, detail: { reason: 'token_malformed' } },
    ]);
  });

  it('records a refusal by the permission table with the permission and the route pattern', async () => {
    const token = await auth.mint({ roles: ['auditor'], subject: 'aud-1' });
    expect((await inject({ method: 'GET', url: `/v1/conversations/${own.id}`, headers: bearer(token) })).statusCode).toBe(403);
    expect(app.auditEvents.map(({ event }) => event)).toMatchObject([
      { action: 'auth.login', actor: { id: 'user:aud-1' } },
      {
        tenantId: auth.tenantId,
        action: 'access.denied',
        actor: { id: 'user:aud-1' },
        resource: { type: 'route', id: 'GET /v1/conversations/{id}' },
        detail: { permission: 'conversations:read', reason: 'permission_denied' },
      },
    ]);
    expect(JSON.stringify(app.auditEvents)).not.toContain(own.id);
  });

  it('rate-limits failed sign-in records and counts what it drops', async () => {
    for (let i = 0; i < 30; i += 1) await inject({ method: 'GET', url: '/v1/me', headers: { authorization: 'Bearer x.y.z' } });
    const recorded = actions().filter((action) => action === 'auth.login_failed').length;
    expect(recorded).toBeGreaterThanOrEqual(20);
    expect(recorded).toBeLessThan(30);
    const metrics = await inject({ method: 'GET', url: '/metrics' });
    const dropped = /api_audit_events_dropped_total\{[^}]*action="auth.login_failed"[^}]*reason="rate_limited"[^}]*\} (\d+)/.exec(metrics.body);
    expect(Number(dropped?.[1])).toBe(30 - recorded);
  });
});

describe('permissions', () => {
  it.each(PROTECTED.filter((route) => route.permission !== undefined))(
    '$name is 403 permission_denied for a role without $permission',
    async (route) => {
      const token = await auth.mint({ roles: ['integration', 'auditor'] });
      const response = await inject({
        method: route.method,
        url: route.url(),
        headers: bearer(token),
        payload: route.method === 'POST' ? { text: 'hi' } : undefined,
      });
      expect(response.statusCode).toBe(403);
      expect(problemOf(response)).toMatchObject({
        code: 'permission_denied',
        details: { permission: route.permission },
      });
      expect(fake.calls).toEqual([]);
    },
  );

  it('GET /v1/me answers any valid token with its subject, tenant, roles and permissions', async () => {
    const token = await auth.mint({ roles: ['auditor', 'front_desk'], subject: 'nurse-ada', name: 'Ada' });
    const response = await inject({ method: 'GET', url: '/v1/me', headers: bearer(token) });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({
      subject: 'nurse-ada',
      tenantId: auth.tenantId,
      name: 'Ada',
      roles: ['auditor', 'front_desk'],
      permissions: permissionsForRoles(['auditor', 'front_desk']),
      expiresAt: expect.stringMatching(/Z$/) as unknown,
    });
  });
});

describe('validation', () => {
  let token: string;
  beforeEach(async () => {
    token = await auth.mint({ roles: ['nurse'] });
  });

  const cases: { name: string; request: () => InjectOptions; path: string }[] = [
    {
      name: 'limit 0',
      request: () => ({ method: 'GET', url: '/v1/conversations?limit=0' }),
      path: 'query/limit',
    },
    {
      name: 'limit above 200',
      request: () => ({ method: 'GET', url: '/v1/conversations?limit=201' }),
      path: 'query/limit',
    },
    {
      name: 'limit not a number',
      request: () => ({ method: 'GET', url: '/v1/conversations?limit=ten' }),
      path: 'query/limit',
    },
    {
      name: 'empty cursor',
      request: () => ({ method: 'GET', url: '/v1/conversations?cursor=' }),
      path: 'query/cursor',
    },
    {
      name: 'malformed id',
      request: () => ({ method: 'GET', url: '/v1/conversations/%20bad%20id' }),
      path: 'params/id',
    },
    {
      name: 'id starting with a dash',
      request: () => ({ method: 'GET', url: '/v1/conversations/-abc' }),
      path: 'params/id',
    },
    {
      name: 'messages limit',
      request: () => ({ method: 'GET', url: `/v1/conversations/${own.id}/messages?limit=-1` }),
      path: 'query/limit',
    },
    {
      name: 'messages id',
      request: () => ({ method: 'GET', url: '/v1/conversations/%2Fx/messages' }),
      path: 'params/id',
    },
    {
      name: 'blank text',
      request: () => ({
        method: 'POST',
        url: `/v1/conversations/${own.id}/messages`,
        payload: { text: '  \n\t ' },
      }),
      path: 'body/text',
    },
    {
      name: 'missing text',
      request: () => ({ method: 'POST', url: `/v1/conversations/${own.id}/messages`, payload: {} }),
      path: 'body/text',
    },
    {
      name: 'text not a string',
      request: () => ({ method: 'POST', url: `/v1/conversations/${own.id}/messages`, payload: { text: 42 } }),
      path: 'body/text',
    },
    {
      name: 'body not an object',
      request: () => ({ method: 'POST', url: `/v1/conversations/${own.id}/messages`, payload: ['hi'] }),
      path: 'body',
    },
    {
      name: 'idempotencyKey with spaces',
      request: () => ({
        method: 'POST',
        url: `/v1/conversations/${own.id}/messages`,
        payload: { text: 'hi', idempotencyKey: 'a b' },
      }),
      path: 'body/idempotencyKey',
    },
    {
      name: 'Idempotency-Key header too long',
      request: () => ({
        method: 'POST',
        url: `/v1/conversations/${own.id}/messages`,
        payload: { text: 'hi' },
        headers: { 'idempotency-key': 'k'.repeat(129) },
      }),
      path: 'headers/idempotency-key',
    },
  ];

  it.each(cases)('$name → 400 invalid_request naming $path', async ({ request, path: field }) => {
    const options = request();
    const response = await inject({ ...options, headers: { ...bearer(token), ...(options.headers ?? {}) } });
    expect(response.statusCode).toBe(400);
    const problem = problemOf(response);
    expect(problem.code).toBe('invalid_request');
    expect(problem.details?.['errors']).toEqual([{ path: field, message: expect.any(String) as unknown }]);
    expect(fake.calls).toEqual([]);
  });

  it('names the field of a too-long text without echoing the text', async () => {
    const text = `${PATIENT_TEXT} ${'x'.repeat(4096)}`;
    const response = await inject({
      method: 'POST',
      url: `/v1/conversations/${own.id}/messages`,
      headers: bearer(token),
      payload: { text },
    });
    expect(response.statusCode).toBe(400);
    expect(problemOf(response).details).toEqual({
      errors: [{ path: 'body/text', message: expect.stringContaining('4096') as unknown }],
    });
    expect(response.body).not.toContain(PATIENT_TEXT);
    expect(app.logs()).not.toContain(PATIENT_TEXT);
  });

  it('reports every invalid field at once', async () => {
    const response = await inject({
      method: 'POST',
      url: '/v1/conversations/%20/messages',
      headers: bearer(token),
      payload: { text: '', idempotencyKey: '' },
    });
    const paths = (problemOf(response).details?.['errors'] as { path: string }[]).map((error) => error.path);
    expect([...new Set(paths)].sort()).toEqual(['body/idempotencyKey', 'body/text', 'params/id']);
  });

  it('refuses different idempotency keys in header and body (400 idempotency_key_mismatch)', async () => {
    const response = await inject({
      method: 'POST',
      url: `/v1/conversations/${own.id}/messages`,
      headers: { ...bearer(token), 'idempotency-key': 'one' },
      payload: { text: 'hi', idempotencyKey: 'two' },
    });
    expect(response.statusCode).toBe(400);
    expect(problemOf(response).code).toBe('idempotency_key_mismatch');
  });

  it('answers malformed JSON with a problem that does not quote the body', async () => {
    const response = await inject({
      method: 'POST',
      url: `/v1/conversations/${own.id}/messages`,
      headers: { ...bearer(token), 'content-type': 'application/json' },
      payload: `{"text": "${PATIENT_TEXT}`,
    });
    expect(response.statusCode).toBe(400);
    expect(problemOf(response).code).toBe('bad_request');
    expect(response.body).not.toContain(PATIENT_TEXT);
  });

  it('checks the token before the request (401, not 400, for an anonymous invalid request)', async () => {
    const response = await inject({ method: 'GET', url: '/v1/conversations?limit=0' });
    expect(response.statusCode).toBe(401);
  });
});

describe('conversations', () => {
  let token: string;
  beforeEach(async () => {
    token = await auth.mint({ roles: ['nurse'], subject: 'nurse-7' });
  });

  it("lists the token's tenant's conversations only, whatever tenant the query names", async () => {
    const response = await inject({
      method: 'GET',
      url: `/v1/conversations?tenantId=${foreign.tenantId}&limit=1`,
      headers: bearer(token),
    });
    expect(response.statusCode).toBe(200);
    const page = conversationPageSchema.parse(response.json());
    expect(page.items.map((c) => c.id)).toEqual([own.id]);
    expect(page.nextCursor).toBe('1');
    expect(page.items[0]).toMatchObject({
      patient: { displayName: PATIENT_NAME, phoneNumber: PATIENT_PHONE, id: null },
      windowOpen: true,
      assignedTo: null,
      unreadCount: 1,
    });
    expect(fake.calls).toEqual([
      {
        method: 'listConversations',
        caller: { tenantId: auth.tenantId, actor: 'user:nurse-7', roles: ['nurse'] },
        request: { pageSize: 1, pageToken: '' },
      },
    ]);
    const next = await inject({
      method: 'GET',
      url: '/v1/conversations?limit=1&cursor=1',
      headers: bearer(token),
    });
    expect(conversationPageSchema.parse(next.json())).toMatchObject({
      items: [{ id: closed.id, windowOpen: false }],
      nextCursor: null,
    });
  });

  it("gets one conversation; another tenant's id is 404 conversation_not_found", async () => {
    const response = await inject({
      method: 'GET',
      url: `/v1/conversations/${own.id}`,
      headers: bearer(token),
    });
    expect(response.statusCode).toBe(200);
    expect(conversationSchema.parse(response.json()).id).toBe(own.id);
    const other = await inject({
      method: 'GET',
      url: `/v1/conversations/${foreign.id}`,
      headers: bearer(token),
    });
    expect(other.statusCode).toBe(404);
    expect(problemOf(other)).toMatchObject({
      code: 'conversation_not_found',
      instance: `/v1/conversations/${foreign.id}`,
    });
    expect(other.body).not.toContain(foreign.patientDisplayName);
  });

  it('lists messages with direction, content and status', async () => {
    const response = await inject({
      method: 'GET',
      url: `/v1/conversations/${own.id}/messages`,
      headers: bearer(token),
    });
    expect(response.statusCode).toBe(200);
    const page = messagePageSchema.parse(response.json());
    expect(page.items).toHaveLength(1);
    expect(page.items[0]).toMatchObject({
      direction: 'inbound',
      content: { type: 'text', text: PATIENT_TEXT },
      status: { state: 'received', errorCode: null, reason: null },
    });
    const other = await inject({
      method: 'GET',
      url: `/v1/conversations/${foreign.id}/messages`,
      headers: bearer(token),
    });
    expect(problemOf(other).code).toBe('conversation_not_found');
  });

  it('queues a reply (202) as the caller, idempotent by the Idempotency-Key header', async () => {
    const send = () =>
      inject({
        method: 'POST',
        url: `/v1/conversations/${own.id}/messages`,
        headers: { ...bearer(token), 'idempotency-key': 'press-1' },
        payload: { text: 'We will call you today.', tenantId: foreign.tenantId },
      });
    const first = await send();
    expect(first.statusCode).toBe(202);
    const message = messageSchema.parse(first.json());
    expect(message).toMatchObject({
      conversationId: own.id,
      direction: 'outbound',
      content: { type: 'text', text: 'We will call you today.' },
      status: { state: 'queued' },
      sentBy: 'user:nurse-7',
      wamid: null,
    });
    const again = await send();
    expect(messageSchema.parse(again.json()).id).toBe(message.id);
    const request = fake.calls.find((call) => call.method === 'sendText');
    expect(request).toMatchObject({
      caller: { tenantId: auth.tenantId, actor: 'user:nurse-7' },
      request: {
        conversationId: own.id,
        idempotencyKey: 'press-1',
        text: 'We will call you today.',
        replyToMessageId: '',
      },
    });
    expect(JSON.stringify(request?.request)).not.toContain(foreign.tenantId);
  });

  it('uses the body idempotencyKey, or makes one when the client sends none', async () => {
    await inject({
      method: 'POST',
      url: `/v1/conversations/${own.id}/messages`,
      headers: bearer(token),
      payload: { text: 'a', idempotencyKey: 'body-key' },
    });
    await inject({
      method: 'POST',
      url: `/v1/conversations/${own.id}/messages`,
      headers: bearer(token),
      payload: { text: 'b' },
    });
    const keys = fake.calls.map((call) => (call.request as { idempotencyKey: string }).idempotencyKey);
    expect(keys[0]).toBe('body-key');
    expect(keys[1]).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('refuses a reply outside the window: 409 window_closed with when the window closed', async () => {
    const response = await inject({
      method: 'POST',
      url: `/v1/conversations/${closed.id}/messages`,
      headers: bearer(token),
      payload: { text: 'hello?' },
    });
    expect(response.statusCode).toBe(409);
    expect(problemOf(response)).toMatchObject({
      status: 409,
      code: 'window_closed',
      details: { conversationId: closed.id, windowClosedAt: closed.windowOpenUntil?.toISOString() },
    });
    expect(fake.calls.map((call) => call.method)).toEqual(['sendText', 'getConversation']);
  });

  it('answers 503 service_unavailable when messaging is down, and /readyz says not ready', async () => {
    fake.setServing(false);
    const response = await inject({ method: 'GET', url: '/v1/conversations', headers: bearer(token) });
    expect(response.statusCode).toBe(503);
    expect(problemOf(response)).toMatchObject({ code: 'service_unavailable', retryable: true });
    const ready = await inject({ method: 'GET', url: '/readyz' });
    expect(ready.statusCode).toBe(503);
    expect(ready.json()).toEqual({
      status: 'not_ready',
      failing: [{ name: 'messaging', reason: 'not serving' }],
    });
    fake.setServing(true);
    expect((await inject({ method: 'GET', url: '/readyz' })).statusCode).toBe(200);
  });

  it("fails loudly (500) if messaging ever returned another tenant's conversation", async () => {
    await app.close();
    const leaky = { ...fake.client, getConversation: () => Promise.resolve({ conversation: foreign }) };
    app = await buildTestApp(testConfig(), { verifier: auth.verifier, messaging: leaky });
    const response = await inject({
      method: 'GET',
      url: `/v1/conversations/${foreign.id}`,
      headers: bearer(token),
    });
    expect(response.statusCode).toBe(500);
    expect(response.body).not.toContain(foreign.patientDisplayName);
  });

  it('keeps patient data out of the logs', async () => {
    await inject({ method: 'GET', url: '/v1/conversations', headers: bearer(token) });
    await inject({ method: 'GET', url: `/v1/conversations/${own.id}/messages`, headers: bearer(token) });
    await inject({
      method: 'POST',
      url: `/v1/conversations/${own.id}/messages`,
      headers: bearer(token),
      payload: { text: PATIENT_TEXT },
    });
    await inject({
      method: 'POST',
      url: `/v1/conversations/${closed.id}/messages`,
      headers: bearer(token),
      payload: { text: PATIENT_TEXT },
    });
    const logs = app.logs();
    expect(logs).toContain('request completed');
    for (const marker of [PATIENT_NAME, PATIENT_PHONE, PATIENT_TEXT, token])
      expect(logs).not.toContain(marker);
  });

  it('maps message states', async () => {
    fake.add(own, [
      sampleMessage({
        conversationId: own.id,
        status: {
          state: MessageState.MESSAGE_STATE_FAILED,
          errorCode: '131047',
          reason: 'Re-engagement needed.',
          updatedAt: new Date(0),
        },
      }),
    ]);
    const response = await inject({
      method: 'GET',
      url: `/v1/conversations/${own.id}/messages`,
      headers: bearer(token),
    });
    expect(messagePageSchema.parse(response.json()).items[0]?.status).toEqual({
      state: 'failed',
      errorCode: '131047',
      reason: 'Re-engagement needed.',
      updatedAt: '1970-01-01T00:00:00.000Z',
    });
  });
});

describe('restricted conversations and break-glass', () => {
  it('restricts, then grants a clinician break-glass; the body is validated before messaging is called', async () => {
    const doctor = await auth.mint({ roles: ['clinician'] });
    const restricted = await inject({
      method: 'PUT',
      url: `/v1/conversations/${own.id}/restriction`,
      headers: bearer(doctor),
      payload: { restricted: true },
    });
    expect(restricted.statusCode).toBe(200);
    expect(conversationSchema.parse(restricted.json())).toMatchObject({ id: own.id, restricted: true, breakGlassUntil: null });

    const tooShort = await inject({
      method: 'POST',
      url: `/v1/conversations/${own.id}/break-glass`,
      headers: bearer(doctor),
      payload: { reason: 'emergency_treatment', justification: 'now' },
    });
    expect(tooShort.statusCode).toBe(400);
    expect(problemOf(tooShort).details?.['errors']).toEqual([{ path: 'body/justification', message: expect.any(String) as unknown }]);
    const badReason = await inject({
      method: 'POST',
      url: `/v1/conversations/${own.id}/break-glass`,
      headers: bearer(doctor),
      payload: { reason: 'curiosity', justification: 'I would like to have a look please' },
    });
    expect(badReason.statusCode).toBe(400);
    expect(fake.calls.filter((call) => call.method === 'breakGlass')).toEqual([]);

    const granted = await inject({
      method: 'POST',
      url: `/v1/conversations/${own.id}/break-glass`,
      headers: bearer(doctor),
      payload: { reason: 'emergency_treatment', justification: 'Patient unresponsive in ED', durationMinutes: 15 },
    });
    expect(granted.statusCode).toBe(201);
    const grant = granted.json<{ grantId: string; expiresAt: string; conversation: { breakGlassUntil: string } }>();
    expect(grant.conversation.breakGlassUntil).toBe(grant.expiresAt);
    const call = fake.calls.find((c) => c.method === 'breakGlass');
    expect(call?.request).toMatchObject({ conversationId: own.id, justification: 'Patient unresponsive in ED', durationMinutes: 15 });
    expect(call?.caller).toMatchObject({ tenantId: auth.tenantId, roles: ['clinician'] });
  });

  it('answers 409 not_restricted and 404 for another tenant', async () => {
    const nurseToken = await auth.mint({ roles: ['nurse'] });
    const payload = { reason: 'other', justification: 'Checking on a handover note' };
    const open = await inject({ method: 'POST', url: `/v1/conversations/${own.id}/break-glass`, headers: bearer(nurseToken), payload });
    expect(open.statusCode).toBe(409);
    expect(problemOf(open).code).toBe('not_restricted');
    const elsewhere = await inject({
      method: 'POST',
      url: `/v1/conversations/${foreign.id}/break-glass`,
      headers: bearer(nurseToken),
      payload,
    });
    expect(elsewhere.statusCode).toBe(404);
    expect(problemOf(elsewhere).code).toBe('conversation_not_found');
  });
});

describe('errors everywhere are problems', () => {
  it('an unknown route is a 404 route_not_found problem', async () => {
    const response = await inject({ method: 'GET', url: '/v1/nothing-here' });
    expect(response.statusCode).toBe(404);
    expect(problemOf(response)).toMatchObject({ code: 'route_not_found', status: 404 });
  });
});

describe('development auth', () => {
  it('is absent unless enabled: /dev/token and /dev/jwks.json are unknown routes', async () => {
    for (const [method, url] of [
      ['POST', '/dev/token'],
      ['GET', '/dev/jwks.json'],
    ] as const) {
      const response = await inject({
        method,
        url,
        payload: method === 'POST' ? { subject: 's', tenantId: auth.tenantId, roles: ['nurse'] } : undefined,
      });
      expect(response.statusCode, url).toBe(404);
      expect(problemOf(response).code).toBe('route_not_found');
    }
    expect(testConfig({ CARELINE_DEV_AUTH: undefined }).auth.dev).toBeUndefined();
  });

  describe('when enabled', () => {
    let dir: string;
    beforeEach(async () => {
      dir = await mkdtemp(path.join(tmpdir(), 'api-dev-auth-'));
    });
    afterEach(() => rm(dir, { recursive: true, force: true }));

    const devConfig = (keyFile?: string) =>
      testConfig({
        CARELINE_AUTH_ISSUER: undefined,
        CARELINE_AUTH_JWKS_URL: undefined,
        CARELINE_DEV_AUTH: 'true',
        CARELINE_DEV_AUTH_KEY_FILE: keyFile,
      });

    async function devToken(target: TestApp, request: Record<string, unknown>) {
      return target.http.app.inject({ method: 'POST', url: '/dev/token', payload: request });
    }

    it('mints tokens that the api then accepts, and serves the public keys', async () => {
      await app.close();
      app = await buildTestApp(devConfig(), { messaging: fake.client });
      const minted = await devToken(app, {
        subject: 'dev-nurse',
        tenantId: auth.tenantId,
        roles: ['nurse'],
        name: 'Dev Nurse',
      });
      expect(minted.statusCode).toBe(200);
      const body = minted.json<{ access_token: string; token_type: string; expires_in: number }>();
      expect(body).toEqual({
        access_token: expect.any(String) as unknown,
        token_type: 'Bearer',
        expires_in: 3600,
      });
      const me = await inject({ method: 'GET', url: '/v1/me', headers: bearer(body.access_token) });
      expect(me.json()).toMatchObject({
        subject: 'dev-nurse',
        tenantId: auth.tenantId,
        roles: ['nurse'],
        name: 'Dev Nurse',
      });
      const list = await inject({
        method: 'GET',
        url: '/v1/conversations',
        headers: bearer(body.access_token),
      });
      expect(list.statusCode).toBe(200);

      const jwks = await inject({ method: 'GET', url: '/dev/jwks.json' });
      const keys = jwks.json<{ keys: Record<string, unknown>[] }>().keys;
      expect(keys).toHaveLength(1);
      expect(keys[0]).toMatchObject({ kty: 'EC', crv: 'P-256', alg: 'ES256' });
      expect(keys[0]).not.toHaveProperty('d');

      // a token of another issuer (not trusted in this configuration) is refused: its key is unknown
      const other = await inject({
        method: 'GET',
        url: '/v1/me',
        headers: bearer(await auth.mint({ roles: ['nurse'] })),
      });
      expect(problemOf(other).code).toBe('token_invalid_signature');
    });

    it('validates the token request (400 naming the field)', async () => {
      await app.close();
      app = await buildTestApp(devConfig(), { messaging: fake.client });
      const response = await devToken(app, { subject: 'x', tenantId: 'not-a-uuid', roles: ['surgeon'] });
      expect(response.statusCode).toBe(400);
      const paths = (problemOf(response).details?.['errors'] as { path: string }[]).map((e) => e.path);
      expect(paths).toEqual(expect.arrayContaining(['body/tenantId', 'body/roles/0']));
    });

    it('keeps its key in CARELINE_DEV_AUTH_KEY_FILE (owner-only), so tokens survive a restart', async () => {
      const keyFile = path.join(dir, 'nested', 'dev-key.json');
      await app.close();
      app = await buildTestApp(devConfig(keyFile), { messaging: fake.client });
      const token = (await devToken(app, { subject: 'u', tenantId: auth.tenantId, roles: ['nurse'] })).json<{
        access_token: string;
      }>().access_token;
      expect((await stat(keyFile)).mode & 0o777).toBe(0o600);
      await app.close();
      app = await buildTestApp(devConfig(keyFile), { messaging: fake.client });
      expect((await inject({ method: 'GET', url: '/v1/me', headers: bearer(token) })).statusCode).toBe(200);
      expect(app.logs()).toContain('development auth is ON');
    });
  });
});

describe('CORS', () => {
  const ORIGIN = 'https://console.careline.test';

  it('answers preflights and marks responses for the configured origin only', async () => {
    await app.close();
    app = await buildTestApp(testConfig({ CORS_ORIGINS: ORIGIN }), {
      verifier: auth.verifier,
      messaging: fake.client,
    });
    const preflight = await inject({
      method: 'OPTIONS',
      url: `/v1/conversations/${own.id}/messages`,
      headers: {
        origin: ORIGIN,
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'authorization,content-type,idempotency-key',
      },
    });
    expect(preflight.statusCode).toBe(204);
    expect(preflight.headers['access-control-allow-origin']).toBe(ORIGIN);
    expect(String(preflight.headers['access-control-allow-headers'])).toContain('idempotency-key');
    // a 401 must be readable by the console too, or it cannot tell "log in again" from "offline"
    const denied = await inject({ method: 'GET', url: '/v1/conversations', headers: { origin: ORIGIN } });
    expect(denied.statusCode).toBe(401);
    expect(denied.headers['access-control-allow-origin']).toBe(ORIGIN);
    const stranger = await inject({
      method: 'GET',
      url: '/v1/conversations',
      headers: { origin: 'https://evil.example' },
    });
    expect(stranger.headers['access-control-allow-origin']).toBeUndefined();
    // an OPTIONS that is no preflight is a bad request like any other: problem+json with a code
    const bare = await inject({ method: 'OPTIONS', url: '/v1/conversations' });
    expect(bare.statusCode).toBe(400);
    expect(bare.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(bare.json()).toMatchObject({ code: 'invalid_preflight' });
  });

  it('allows no origin by default', async () => {
    const response = await inject({ method: 'GET', url: '/v1/me', headers: { origin: ORIGIN } });
    expect(response.headers['access-control-allow-origin']).toBeUndefined();
  });
});
