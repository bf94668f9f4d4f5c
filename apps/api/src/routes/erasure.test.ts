// `POST /v1/conversations/{id}/erase` and `/v1/admin/retention-policy` in-process (app.inject)
// with the in-memory MessagingService fake: admin only (403 before messaging is called), strict
// bodies, the caller's tenant from the token (another tenant's conversation is 404), a repeated
// erase answers the first, and messaging's refusals keep their codes.
import { randomUUID } from 'node:crypto';
import { type TestAuth, createTestAuth } from '@careline/auth/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { problemSchema } from '../schemas/common';
import { erasureSchema, retentionPolicySchema } from '../schemas/erasure';
import { type TestApp, buildTestApp, testConfig } from '../testing/app';
import { type FakeMessaging, createFakeMessaging, sampleConversation, sampleMessage } from '../testing/fake-messaging';

const REASON = 'Patient asked to be forgotten (ticket 4711)';

let auth: TestAuth;
let fake: FakeMessaging;
let app: TestApp;
let adminToken: string;

beforeAll(async () => {
  auth = await createTestAuth();
  fake = createFakeMessaging();
  app = await buildTestApp(testConfig(), { verifier: auth.verifier, messaging: fake.client });
  adminToken = await auth.mint({ roles: ['admin'] });
});

afterAll(() => app.close());

function call(method: 'GET' | 'PUT' | 'POST', url: string, payload?: Record<string, unknown>, token = adminToken) {
  return app.http.app.inject({ method, url, headers: { authorization: `Bearer ${token}` }, ...(payload ? { payload } : {}) });
}

describe('POST /v1/conversations/{id}/erase', () => {
  it("erases every conversation of the patient, answers counts only, and the same again", async () => {
    const hash = randomUUID().replaceAll('-', '');
    const first = fake.add(sampleConversation({ tenantId: auth.tenantId, patientWaIdHash: hash }));
    fake.add(first, [sampleMessage({ conversationId: first.id }), sampleMessage({ conversationId: first.id })]);
    const second = fake.add(sampleConversation({ tenantId: auth.tenantId, patientWaIdHash: hash, phoneNumberId: '106540352242923' }));
    const other = fake.add(sampleConversation({ tenantId: auth.tenantId, patientWaIdHash: 'f'.repeat(64) }));

    const response = await call('POST', `/v1/conversations/${first.id}/erase`, { reason: REASON });
    expect(response.statusCode, response.body).toBe(200);
    const erased = erasureSchema.parse(response.json());
    expect(erased).toMatchObject({ conversationIds: [first.id, second.id].sort(), messagesErased: 2, keyDestroyed: true });
    // nothing erased is echoed back
    expect(response.body).not.toContain('Ana Example');
    expect(response.body).not.toContain(REASON);
    expect(fake.calls.at(-1)).toMatchObject({
      method: 'erasePatient',
      caller: { tenantId: auth.tenantId },
      request: { conversationId: first.id, reason: REASON },
    });

    // the conversation is gone; the other patient's stays
    expect((await call('GET', `/v1/conversations/${first.id}`, undefined, await auth.mint({ roles: ['nurse'] }))).statusCode).toBe(404);
    expect((await call('GET', `/v1/conversations/${other.id}`, undefined, await auth.mint({ roles: ['nurse'] }))).statusCode).toBe(200);

    // idempotent, by either erased id
    const again = await call('POST', `/v1/conversations/${second.id}/erase`, { reason: REASON });
    expect(again.statusCode).toBe(200);
    expect(again.json()).toEqual(response.json());
  });

  it('is for admin only: every other role gets 403 before messaging is called', async () => {
    const conversation = fake.add(sampleConversation({ tenantId: auth.tenantId, patientWaIdHash: 'd'.repeat(64) }));
    for (const role of ['clinician', 'nurse', 'front_desk', 'auditor', 'integration'] as const) {
      const before = fake.calls.length;
      const response = await call('POST', `/v1/conversations/${conversation.id}/erase`, { reason: REASON }, await auth.mint({ roles: [role] }));
      expect(response.statusCode, role).toBe(403);
      expect(problemSchema.parse(response.json())).toMatchObject({ code: 'permission_denied', details: { permission: 'patients:erase' } });
      expect(fake.calls.length, role).toBe(before);
    }
  });

  it('validates the body and keeps tenants apart', async () => {
    const conversation = fake.add(sampleConversation({ tenantId: auth.tenantId, patientWaIdHash: 'c'.repeat(64) }));
    for (const body of [{}, { reason: 'too short' }, { reason: 'x'.repeat(501) }, { reason: REASON, tenantId: randomUUID() }]) {
      const before = fake.calls.length;
      const response = await call('POST', `/v1/conversations/${conversation.id}/erase`, body);
      expect(response.statusCode, JSON.stringify(body)).toBe(400);
      expect(problemSchema.parse(response.json()).code).toBe('invalid_request');
      expect(fake.calls.length).toBe(before);
    }
    const foreign = fake.add(sampleConversation({ tenantId: randomUUID(), patientWaIdHash: 'c'.repeat(64) }));
    const response = await call('POST', `/v1/conversations/${foreign.id}/erase`, { reason: REASON });
    expect(response.statusCode).toBe(404);
    expect(problemSchema.parse(response.json()).code).toBe('conversation_not_found');
    expect((await call('POST', '/v1/conversations/not%20an%20id/erase', { reason: REASON })).statusCode).toBe(400);
  });
});

describe('/v1/admin/retention-policy', () => {
  it('answers keep-forever by default, replaces it for the tenant, validates, and is admin only', async () => {
    const before = await call('GET', '/v1/admin/retention-policy');
    expect(before.statusCode, before.body).toBe(200);
    expect(retentionPolicySchema.parse(before.json())).toEqual({ closedConversationDays: 0, updatedAt: null });

    const put = await call('PUT', '/v1/admin/retention-policy', { closedConversationDays: 90 });
    expect(put.statusCode, put.body).toBe(200);
    expect(retentionPolicySchema.parse(put.json()).closedConversationDays).toBe(90);
    expect(retentionPolicySchema.parse((await call('GET', '/v1/admin/retention-policy')).json()).closedConversationDays).toBe(90);

    for (const body of [{}, { closedConversationDays: -1 }, { closedConversationDays: 36_501 }, { closedConversationDays: 1.5 }, { closedConversationDays: 30, extra: 1 }]) {
      expect((await call('PUT', '/v1/admin/retention-policy', body)).statusCode, JSON.stringify(body)).toBe(400);
    }
    const nurse = await auth.mint({ roles: ['nurse'] });
    expect((await call('GET', '/v1/admin/retention-policy', undefined, nurse)).statusCode).toBe(403);
    expect((await call('PUT', '/v1/admin/retention-policy', { closedConversationDays: 1 }, nurse)).statusCode).toBe(403);
  });
});
