// `/v1/admin/reminder-policy` and `/v1/admin/release-policy` in-process (app.inject) with in-memory
// SchedulingService and RecordsService fakes: admin only, the tenant is the token's (another
// tenant sees its own defaults), strict complete bodies, the services' refusals keep their codes.
import { randomUUID } from 'node:crypto';
import { type TestAuth, createTestAuth } from '@careline/auth/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { problemSchema } from '../schemas/common';
import { releasePolicySchema, reminderPolicySchema } from '../schemas/policies';
import { type TestApp, buildTestApp, testConfig } from '../testing/app';
import { createFakeMessaging } from '../testing/fake-messaging';
import { type FakeRecords, createFakeRecords } from '../testing/fake-records';
import { DEFAULT_REMINDER_POLICY, type FakeScheduling, createFakeScheduling } from '../testing/fake-scheduling';

let auth: TestAuth;
let scheduling: FakeScheduling;
let records: FakeRecords;
let app: TestApp;
let adminToken: string;

beforeAll(async () => {
  auth = await createTestAuth();
  scheduling = createFakeScheduling();
  records = createFakeRecords();
  app = await buildTestApp(testConfig(), {
    verifier: auth.verifier,
    messaging: createFakeMessaging().client,
    scheduling: scheduling.client,
    records: records.client,
  });
  adminToken = await auth.mint({ roles: ['admin'] });
});

afterAll(() => app.close());

function call(method: 'GET' | 'PUT', url: string, payload?: Record<string, unknown>, token = adminToken) {
  return app.http.app.inject({ method, url, headers: { authorization: `Bearer ${token}` }, ...(payload ? { payload } : {}) });
}

const reminderPolicy = {
  stages: [
    { name: '2h', minutesBefore: 120, templates: { es: 'recordatorio_cita' } },
    { name: '72h', minutesBefore: 72 * 60, templates: { es: 'recordatorio_cita', en_US: 'appointment_reminder' } },
  ],
  quietStart: '22:00',
  quietEnd: '07:30',
  minLeadMinutes: 30,
  noShowAfterMinutes: 45,
  videoLinkTemplate: '',
  defaultLanguage: 'es',
};

describe('/v1/admin/reminder-policy', () => {
  it("answers the default, replaces it for the token's tenant only, and reads it back", async () => {
    const before = await call('GET', '/v1/admin/reminder-policy');
    expect(before.statusCode, before.body).toBe(200);
    expect(reminderPolicySchema.parse(before.json()).stages.map((s) => s.name)).toEqual(
      DEFAULT_REMINDER_POLICY.stages.map((s) => s.name),
    );

    const put = await call('PUT', '/v1/admin/reminder-policy', reminderPolicy);
    expect(put.statusCode, put.body).toBe(200);
    // scheduling keeps the stages earliest first
    expect(put.json()).toEqual({ ...reminderPolicy, stages: [reminderPolicy.stages[1], reminderPolicy.stages[0]] });
    const sent = scheduling.calls.at(-1)!;
    expect(sent).toMatchObject({ method: 'setReminderPolicy', caller: { tenantId: auth.tenantId } });
    expect(sent.caller.actor).toMatch(/^user:/);

    expect((await call('GET', '/v1/admin/reminder-policy')).json()).toEqual(put.json());
    const other = await auth.mint({ roles: ['admin'], tenantId: randomUUID() });
    expect(reminderPolicySchema.parse((await call('GET', '/v1/admin/reminder-policy', undefined, other)).json()).defaultLanguage).toBe(
      DEFAULT_REMINDER_POLICY.defaultLanguage,
    );
  });

  it('refuses incomplete or unknown fields before calling scheduling, and passes on its refusals', async () => {
    const before = scheduling.calls.length;
    const { minLeadMinutes: _omitted, ...incomplete } = reminderPolicy;
    for (const body of [incomplete, { ...reminderPolicy, tenantId: randomUUID() }, { ...reminderPolicy, quietStart: '25:00' }]) {
      const response = await call('PUT', '/v1/admin/reminder-policy', body);
      expect(response.statusCode, response.body).toBe(400);
      expect(problemSchema.parse(response.json()).code).toBe('invalid_request');
    }
    expect(scheduling.calls.length).toBe(before);

    const duplicate = { ...reminderPolicy, stages: [reminderPolicy.stages[0], reminderPolicy.stages[0]] };
    const refused = await call('PUT', '/v1/admin/reminder-policy', duplicate);
    expect(refused.statusCode).toBe(400);
    expect(scheduling.calls.length).toBe(before + 1);
  });

  it('is for admins only, and 503 while scheduling is down', async () => {
    const nurse = await auth.mint({ roles: ['nurse', 'clinician'] });
    expect((await call('GET', '/v1/admin/reminder-policy', undefined, nurse)).statusCode).toBe(403);
    expect((await call('PUT', '/v1/admin/reminder-policy', reminderPolicy, nurse)).statusCode).toBe(403);
    scheduling.setAvailable(false);
    try {
      const down = await call('GET', '/v1/admin/reminder-policy');
      expect(down.statusCode).toBe(503);
      expect(problemSchema.parse(down.json()).code).toBe('service_unavailable');
    } finally {
      scheduling.setAvailable(true);
    }
  });
});

describe('/v1/admin/release-policy', () => {
  it("defaults to nothing in chat, is replaced for the token's tenant only, and read back", async () => {
    expect((await call('GET', '/v1/admin/release-policy')).json()).toEqual({ allowDocumentInChat: false });
    const put = await call('PUT', '/v1/admin/release-policy', { allowDocumentInChat: true });
    expect(put.statusCode, put.body).toBe(200);
    expect(releasePolicySchema.parse(put.json())).toEqual({ allowDocumentInChat: true });
    expect(records.calls.at(-1)).toMatchObject({ method: 'setReleasePolicy', caller: { tenantId: auth.tenantId } });
    expect((await call('GET', '/v1/admin/release-policy')).json()).toEqual({ allowDocumentInChat: true });
    const other = await auth.mint({ roles: ['admin'], tenantId: randomUUID() });
    expect((await call('GET', '/v1/admin/release-policy', undefined, other)).json()).toEqual({ allowDocumentInChat: false });
  });

  it('refuses a missing or non-boolean flag, unknown fields, and non-admins', async () => {
    const before = records.calls.length;
    for (const body of [{}, { allowDocumentInChat: 'yes' }, { allowDocumentInChat: true, linkTtlMinutes: 5 }]) {
      expect((await call('PUT', '/v1/admin/release-policy', body)).statusCode).toBe(400);
    }
    const nurse = await auth.mint({ roles: ['nurse'] });
    expect((await call('PUT', '/v1/admin/release-policy', { allowDocumentInChat: true }, nurse)).statusCode).toBe(403);
    expect(records.calls.length).toBe(before);
  });
});
