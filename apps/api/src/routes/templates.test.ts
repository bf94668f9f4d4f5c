// Templates and consent routes in-process (app.inject) against the in-memory MessagingService: the
// request mapped to SendTemplate (tenant from the token, parameters by name, purpose, key), the
// refusals passed on with their codes (400 naming the parameter, 409 opted_out), consent changes.
import { randomUUID } from 'node:crypto';
import { type TestAuth, createTestAuth } from '@careline/auth/testing';
import { MessagePurpose, type SendTemplateRequest } from '@careline/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { problemSchema } from '../schemas/common';
import { consentSchema, sentTemplateSchema, templateListSchema } from '../schemas/templates';
import { type TestApp, buildTestApp, testConfig } from '../testing/app';
import { type FakeMessaging, createFakeMessaging, sampleConversation } from '../testing/fake-messaging';

let auth: TestAuth;
let fake: FakeMessaging;
let app: TestApp;
let token: string;

beforeAll(async () => {
  auth = await createTestAuth();
  fake = createFakeMessaging();
  app = await buildTestApp(testConfig(), { verifier: auth.verifier, messaging: fake.client });
  token = await auth.mint({ roles: ['nurse'] });
});

afterAll(() => app.close());

function call(method: 'GET' | 'POST' | 'PUT', url: string, payload?: Record<string, unknown>, headers: Record<string, string> = {}) {
  return app.http.app.inject({ method, url, headers: { authorization: `Bearer ${token}`, ...headers }, ...(payload ? { payload } : {}) });
}

describe('templates and consent routes', () => {
  it('lists the registry', async () => {
    const response = await call('GET', '/v1/templates?approvedOnly=true');
    expect(response.statusCode, response.body).toBe(200);
    const body = templateListSchema.parse(response.json());
    expect(body.items.map((t) => `${t.name}/${t.language}`)).toContain('appointment_reminder/es');
    expect(fake.calls.at(-1)).toMatchObject({ method: 'listTemplates', request: { approvedOnly: true } });
  });

  it('sends a template: parameters by name, the purpose and the key passed on, 202 with the language used', async () => {
    const conversation = fake.add(sampleConversation({ tenantId: auth.tenantId }));
    const response = await call(
      'POST',
      `/v1/conversations/${conversation.id}/templates`,
      { templateName: 'appointment_reminder', languageCode: 'es_MX', parameters: { '1': 'Ana', '2': 'Friday' }, purpose: 'reminder' },
      { 'idempotency-key': 'key-1' },
    );
    expect(response.statusCode, response.body).toBe(202);
    expect(sentTemplateSchema.parse(response.json())).toMatchObject({ conversationId: conversation.id, language: 'es' });
    const sent = fake.calls.at(-1);
    expect(sent?.caller?.tenantId).toBe(auth.tenantId);
    expect(sent?.request).toMatchObject({
      recipient: { $case: 'conversationId', value: conversation.id },
      templateName: 'appointment_reminder',
      languageCode: 'es_MX',
      parameters: [{ name: '1', text: 'Ana' }, { name: '2', text: 'Friday' }],
      purpose: MessagePurpose.MESSAGE_PURPOSE_REMINDER,
      idempotencyKey: 'key-1',
    } satisfies Partial<SendTemplateRequest>);
  });

  it('refuses a purpose staff may not claim, and passes on invalid_template_parameters naming the parameter', async () => {
    const conversation = fake.add(sampleConversation({ tenantId: auth.tenantId }));
    const verification = await call('POST', `/v1/conversations/${conversation.id}/templates`, {
      templateName: 'appointment_reminder',
      parameters: { '1': 'Ana', '2': 'Friday' },
      purpose: 'verification',
    });
    expect(verification.statusCode).toBe(400);
    const missing = await call('POST', `/v1/conversations/${conversation.id}/templates`, {
      templateName: 'appointment_reminder',
      parameters: { '1': 'Ana' },
    });
    expect(missing.statusCode).toBe(400);
    expect(problemSchema.parse(missing.json())).toMatchObject({ code: 'invalid_template_parameters' });
    expect(missing.json()).toMatchObject({ details: { parameter: '2' } });
  });

  it('records an opt-out (409 opted_out on the next send, optedOut on the conversation) and an opt-in with its source', async () => {
    const conversation = fake.add(sampleConversation({ tenantId: auth.tenantId }));
    const out = await call('PUT', `/v1/conversations/${conversation.id}/consent`, { state: 'opted_out', source: 'staff' });
    expect(out.statusCode, out.body).toBe(200);
    expect(consentSchema.parse(out.json())).toMatchObject({ state: 'opted_out', source: 'staff' });
    expect((await call('GET', `/v1/conversations/${conversation.id}`)).json()).toMatchObject({ optedOut: true });
    const refused = await call('POST', `/v1/conversations/${conversation.id}/templates`, {
      templateName: 'appointment_reminder',
      parameters: { '1': 'Ana', '2': 'Friday' },
    });
    expect(refused.statusCode).toBe(409);
    expect(problemSchema.parse(refused.json()).code).toBe('opted_out');

    expect((await call('PUT', `/v1/conversations/${conversation.id}/consent`, { state: 'opted_in' })).statusCode).toBe(400);
    const back = await call('PUT', `/v1/conversations/${conversation.id}/consent`, { state: 'opted_in', source: 'import', preferredLanguage: 'es' });
    expect(consentSchema.parse(back.json())).toMatchObject({ state: 'opted_in', source: 'import', preferredLanguage: 'es' });
    const read = consentSchema.parse((await call('GET', `/v1/conversations/${conversation.id}/consent`)).json());
    expect(read.history.map((h) => h.state)).toEqual(['opted_in', 'opted_out']);
  });

  it("answers 404 for another tenant's conversation", async () => {
    const other = fake.add(sampleConversation({ tenantId: randomUUID() }));
    expect((await call('GET', `/v1/conversations/${other.id}/consent`)).statusCode).toBe(404);
  });
});
