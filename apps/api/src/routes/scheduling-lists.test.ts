// The calendar set-up read back over REST (GET /v1/sites, /v1/clinics, /v1/clinicians,
// /v1/appointment-types) in-process against the in-memory SchedulingService: each answers
// `{ items }` sorted by name, the filters are validated (400 naming the field) and passed on, the
// tenant is the token's (another hospital sees none of these), and `appointments:read` is needed.
import { randomUUID } from 'node:crypto';
import { type TestAuth, createTestAuth } from '@careline/auth/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { problemSchema } from '../schemas/common';
import { appointmentTypeListSchema, clinicListSchema, clinicianListSchema, siteListSchema } from '../schemas/scheduling';
import { type TestApp, buildTestApp, testConfig } from '../testing/app';
import { createFakeMessaging } from '../testing/fake-messaging';
import { type FakeScheduling, createFakeScheduling } from '../testing/fake-scheduling';

let auth: TestAuth;
let scheduling: FakeScheduling;
let app: TestApp;
let desk: string;
const ids = { north: randomUUID(), south: randomUUID(), cardiology: randomUUID(), allergy: randomUUID(), ruiz: randomUUID(), abad: randomUUID(), type: randomUUID(), video: randomUUID() };

function call(method: 'GET' | 'PUT', url: string, payload?: Record<string, unknown>, token = desk) {
  return app.http.app.inject({ method, url, headers: { authorization: `Bearer ${token}` }, ...(payload === undefined ? {} : { payload }) });
}

beforeAll(async () => {
  auth = await createTestAuth();
  scheduling = createFakeScheduling();
  app = await buildTestApp(testConfig(), { verifier: auth.verifier, messaging: createFakeMessaging().client, scheduling: scheduling.client });
  desk = await auth.mint({ roles: ['front_desk'] });
  const puts: [string, Record<string, unknown>][] = [
    [`/v1/sites/${ids.south}`, { name: 'South', timeZone: 'Europe/Madrid' }],
    [`/v1/sites/${ids.north}`, { name: 'North', timeZone: 'America/Argentina/Buenos_Aires' }],
    [`/v1/clinics/${ids.cardiology}`, { siteId: ids.south, name: 'Cardiology' }],
    [`/v1/clinics/${ids.allergy}`, { siteId: ids.north, name: 'Allergy' }],
    [`/v1/clinicians/${ids.ruiz}`, { clinicId: ids.cardiology, displayName: 'Dr Ruiz' }],
    [`/v1/clinicians/${ids.abad}`, { clinicId: ids.allergy, displayName: 'Dr Abad' }],
    [`/v1/appointment-types/${ids.video}`, { name: 'Video follow-up', mode: 'video', durationMinutes: 20 }],
    [`/v1/appointment-types/${ids.type}`, { name: 'Follow-up', mode: 'in_person', durationMinutes: 30 }],
  ];
  for (const [url, body] of puts) {
    const response = await call('PUT', url, body);
    if (response.statusCode !== 200) throw new Error(`set-up ${url}: ${response.statusCode}`);
  }
});

afterAll(() => app.close());

describe('calendar set-up lists', () => {
  it('lists sites, clinics, clinicians and types by name for the token’s tenant', async () => {
    const sites = await call('GET', '/v1/sites');
    expect(sites.statusCode, sites.body).toBe(200);
    expect(siteListSchema.parse(sites.json()).items).toEqual([
      { id: ids.north, name: 'North', timeZone: 'America/Argentina/Buenos_Aires' },
      { id: ids.south, name: 'South', timeZone: 'Europe/Madrid' },
    ]);
    expect(scheduling.calls.at(-1)).toMatchObject({ method: 'listSites', caller: { tenantId: auth.tenantId } });
    const clinics = clinicListSchema.parse((await call('GET', '/v1/clinics')).json()).items;
    expect(clinics.map((c) => c.name)).toEqual(['Allergy', 'Cardiology']);
    const clinicians = clinicianListSchema.parse((await call('GET', '/v1/clinicians')).json()).items;
    expect(clinicians).toEqual([
      { id: ids.abad, clinicId: ids.allergy, displayName: 'Dr Abad' },
      { id: ids.ruiz, clinicId: ids.cardiology, displayName: 'Dr Ruiz' },
    ]);
    const types = appointmentTypeListSchema.parse((await call('GET', '/v1/appointment-types')).json()).items;
    expect(types).toEqual([
      { id: ids.type, name: 'Follow-up', mode: 'in_person', durationMinutes: 30 },
      { id: ids.video, name: 'Video follow-up', mode: 'video', durationMinutes: 20 },
    ]);
  });

  it('filters clinics by site and clinicians by clinic, and refuses a malformed filter before calling scheduling', async () => {
    expect(clinicListSchema.parse((await call('GET', `/v1/clinics?siteId=${ids.south}`)).json()).items.map((c) => c.id)).toEqual([ids.cardiology]);
    expect(scheduling.calls.at(-1)?.request).toEqual({ siteId: ids.south });
    expect(clinicianListSchema.parse((await call('GET', `/v1/clinicians?clinicId=${ids.allergy}`)).json()).items.map((c) => c.id)).toEqual([ids.abad]);
    const before = scheduling.calls.length;
    const bad = await call('GET', '/v1/clinics?siteId=north');
    expect(bad.statusCode).toBe(400);
    expect(problemSchema.parse(bad.json()).code).toBe('invalid_request');
    expect(bad.body).not.toContain('"north"');
    expect((await call('GET', '/v1/clinicians?clinicId=1')).statusCode).toBe(400);
    expect(scheduling.calls.length).toBe(before);
  });

  it("shows another hospital none of this one's set-up", async () => {
    const other = await auth.mint({ roles: ['front_desk'], tenantId: randomUUID() });
    for (const url of ['/v1/sites', '/v1/clinics', `/v1/clinics?siteId=${ids.south}`, '/v1/clinicians', `/v1/clinicians?clinicId=${ids.allergy}`, '/v1/appointment-types']) {
      const response = await call('GET', url, undefined, other);
      expect(response.statusCode, url).toBe(200);
      expect(response.json(), url).toEqual({ items: [] });
    }
  });

  it('needs appointments:read: clinicians and nurses may list, an auditor or admin may not', async () => {
    for (const role of ['clinician', 'nurse', 'integration'] as const) {
      expect((await call('GET', '/v1/clinicians', undefined, await auth.mint({ roles: [role] }))).statusCode, role).toBe(200);
    }
    for (const role of ['auditor', 'admin'] as const) {
      const before = scheduling.calls.length;
      const response = await call('GET', '/v1/sites', undefined, await auth.mint({ roles: [role] }));
      expect(response.statusCode, role).toBe(403);
      expect(scheduling.calls.length).toBe(before);
    }
    expect((await app.http.app.inject({ method: 'GET', url: '/v1/appointment-types' })).statusCode).toBe(401);
  });

  it('answers 503 while scheduling is down', async () => {
    scheduling.setAvailable(false);
    try {
      const response = await call('GET', '/v1/sites');
      expect(response.statusCode).toBe(503);
    } finally {
      scheduling.setAvailable(true);
    }
  });
});
