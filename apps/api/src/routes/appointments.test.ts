// Appointments, the calendar set-up, availability and the no-show report in-process (app.inject)
// against the in-memory SchedulingService (testing/fake-scheduling.ts, whose refusals go through
// the real client's error mapping): the tenant is the token's, requests are validated before any
// call (400 naming the field, never echoing a value), scheduling's refusals keep their codes
// (409 slot_taken, 400 outside_working_hours, 404 for unknown or another hospital's ids), and no
// patient number reaches the logs.
import { randomUUID } from 'node:crypto';
import { type TestAuth, createTestAuth } from '@careline/auth/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { problemSchema } from '../schemas/common';
import { appointmentListSchema, appointmentSchema, importResultSchema, noShowReportSchema, slotListSchema } from '../schemas/scheduling';
import { type TestApp, buildTestApp, testConfig } from '../testing/app';
import { createFakeMessaging } from '../testing/fake-messaging';
import { type FakeScheduling, createFakeScheduling } from '../testing/fake-scheduling';

const WA_ID = '34611222333';
const PATIENT_NAME = 'Lucía Paciente';

let auth: TestAuth;
let scheduling: FakeScheduling;
let app: TestApp;
let desk: string;
const ids = { site: randomUUID(), clinic: randomUUID(), clinician: randomUUID(), other: randomUUID(), type: randomUUID() };

beforeAll(async () => {
  auth = await createTestAuth();
  scheduling = createFakeScheduling();
  app = await buildTestApp(testConfig(), { verifier: auth.verifier, messaging: createFakeMessaging().client, scheduling: scheduling.client });
  desk = await auth.mint({ roles: ['front_desk'] });
});

afterAll(() => app.close());

type Method = 'GET' | 'PUT' | 'POST';
function call(method: Method, url: string, payload?: unknown, options: { token?: string; headers?: Record<string, string> } = {}) {
  return app.http.app.inject({
    method,
    url,
    headers: { authorization: `Bearer ${options.token ?? desk}`, ...options.headers },
    ...(payload === undefined ? {} : { payload: payload as Record<string, unknown> }),
  });
}

function problem(response: { json(): unknown }) {
  return problemSchema.parse(response.json());
}

/** The field paths of a 400 invalid_request. */
function paths(response: { statusCode: number; json(): unknown }): string[] {
  expect(response.statusCode).toBe(400);
  const body = problem(response);
  expect(body.code).toBe('invalid_request');
  return z.object({ errors: z.array(z.object({ path: z.string() })) }).parse(body.details).errors.map((e) => e.path);
}

const booking = (startsAt: string, extra: Record<string, unknown> = {}) => ({
  clinicianId: ids.clinician,
  appointmentTypeId: ids.type,
  startsAt,
  patient: { waId: WA_ID, displayName: PATIENT_NAME, languageCode: 'es' },
  ...extra,
});

describe('calendar set-up', () => {
  it('creates a site, clinic, clinicians, hours and a type at the ids given, for the token’s tenant', async () => {
    const site = await call('PUT', `/v1/sites/${ids.site}`, { name: 'Central', timeZone: 'Europe/Madrid' });
    expect(site.statusCode, site.body).toBe(200);
    expect(site.json()).toEqual({ id: ids.site, name: 'Central', timeZone: 'Europe/Madrid' });
    expect(scheduling.calls.at(-1)).toMatchObject({ method: 'upsertSite', caller: { tenantId: auth.tenantId } });
    expect((await call('PUT', `/v1/clinics/${ids.clinic}`, { siteId: ids.site, name: 'Cardiology' })).statusCode).toBe(200);
    for (const id of [ids.clinician, ids.other]) {
      expect((await call('PUT', `/v1/clinicians/${id}`, { clinicId: ids.clinic, displayName: 'Dr Ruiz' })).statusCode).toBe(200);
      // Monday to Friday 09:00-13:00 Madrid time; 2031-01-08 is a day off
      const hours = await call('PUT', `/v1/clinicians/${id}/working-hours`, {
        hours: [1, 2, 3, 4, 5].map((weekday) => ({ weekday, start: '09:00', end: '13:00' })),
        exceptions: [{ date: '2031-01-08' }],
      });
      expect(hours.statusCode, hours.body).toBe(200);
      expect(hours.json()).toMatchObject({ clinicianId: id, exceptions: [{ date: '2031-01-08', start: null, end: null }] });
    }
    const type = await call('PUT', `/v1/appointment-types/${ids.type}`, { name: 'Follow-up', mode: 'video', durationMinutes: 30 });
    expect(type.json()).toEqual({ id: ids.type, name: 'Follow-up', mode: 'video', durationMinutes: 30 });
    expect(scheduling.calls.at(-1)?.request).toMatchObject({ appointmentType: { mode: 'APPOINTMENT_MODE_VIDEO' } });
  });

  it('validates zones, times and ids before calling scheduling, and passes on its not-found codes', async () => {
    const before = scheduling.calls.length;
    expect(paths(await call('PUT', `/v1/sites/${ids.site}`, { name: 'Central', timeZone: 'Mars/Olympus' }))).toEqual(['body/timeZone']);
    expect(paths(await call('PUT', `/v1/sites/${ids.site}`, { name: 'Central', timeZone: 'UTC', tenantId: randomUUID() }))).toEqual(['body']);
    expect(paths(await call('PUT', '/v1/sites/not-a-uuid', { name: 'Central', timeZone: 'UTC' }))).toEqual(['params/id']);
    expect(
      paths(await call('PUT', `/v1/clinicians/${ids.clinician}/working-hours`, { hours: [{ weekday: 8, start: '13:00', end: '09:00' }], exceptions: [{ date: '2031-01-08', start: '10:00' }] })),
    ).toEqual(['body/hours/0/weekday', 'body/hours/0/end', 'body/exceptions/0/end']);
    expect(paths(await call('PUT', `/v1/appointment-types/${ids.type}`, { name: 'x', mode: 'phone', durationMinutes: 4 }))).toEqual(['body/mode', 'body/durationMinutes']);
    expect(scheduling.calls.length).toBe(before);

    const orphan = await call('PUT', `/v1/clinics/${randomUUID()}`, { siteId: randomUUID(), name: 'Nowhere' });
    expect(orphan.statusCode).toBe(404);
    expect(problem(orphan).code).toBe('site_not_found');
    const hours = await call('PUT', `/v1/clinicians/${randomUUID()}/working-hours`, { hours: [] });
    expect(problem(hours).code).toBe('clinician_not_found');
  });
});

describe('availability', () => {
  it('lists free slots of a clinic in the working hours, and validates the query', async () => {
    const response = await call('GET', `/v1/availability?appointmentTypeId=${ids.type}&clinicianId=${ids.clinician}&from=2031-01-06T00:00:00%2B01:00&to=2031-01-07T00:00:00Z&limit=3`);
    expect(response.statusCode, response.body).toBe(200);
    const slots = slotListSchema.parse(response.json()).items;
    expect(slots.map((slot) => slot.startsAt)).toEqual(['2031-01-06T08:00:00.000Z', '2031-01-06T08:30:00.000Z', '2031-01-06T09:00:00.000Z']);
    expect(scheduling.calls.at(-1)?.request).toMatchObject({ clinicianId: ids.clinician, clinicId: '', limit: 3 });

    const before = scheduling.calls.length;
    expect(paths(await call('GET', `/v1/availability?appointmentTypeId=${ids.type}&from=2031-01-06T00:00:00Z&to=2031-01-07T00:00:00Z`))).toEqual(['query/clinicId']);
    // a local time without an offset is ambiguous: refused
    expect(paths(await call('GET', `/v1/availability?appointmentTypeId=${ids.type}&clinicId=${ids.clinic}&from=2031-01-06T09:00:00&to=2031-01-07T00:00:00Z`))).toEqual(['query/from']);
    expect(paths(await call('GET', `/v1/availability?appointmentTypeId=${ids.type}&clinicId=${ids.clinic}&from=2031-01-06T00:00:00Z&to=2031-03-07T00:00:00Z`))).toEqual(['query/to']);
    expect(scheduling.calls.length).toBe(before);
    const unknown = await call('GET', `/v1/availability?appointmentTypeId=${randomUUID()}&clinicId=${ids.clinic}&from=2031-01-06T00:00:00Z&to=2031-01-07T00:00:00Z`);
    expect(unknown.statusCode).toBe(404);
    expect(problem(unknown).code).toBe('appointment_type_not_found');
  });
});

describe('appointments', () => {
  let appointmentId = '';

  it('books (201), returns the first booking for a repeated Idempotency-Key, and refuses a taken slot with 409 slot_taken', async () => {
    const first = await call('POST', '/v1/appointments', booking('2031-01-06T09:00:00+01:00'), { headers: { 'idempotency-key': 'desk-1' } });
    expect(first.statusCode, first.body).toBe(201);
    const appointment = appointmentSchema.parse(first.json());
    appointmentId = appointment.id;
    expect(appointment).toMatchObject({
      clinicianId: ids.clinician,
      clinicId: ids.clinic,
      mode: 'video',
      status: 'booked',
      startsAt: '2031-01-06T08:00:00.000Z',
      endsAt: '2031-01-06T08:30:00.000Z',
      patient: { waId: WA_ID, displayName: PATIENT_NAME, languageCode: 'es', patientId: null },
      confirmedAt: null,
      externalId: null,
    });
    expect(appointment.videoLink).toContain(appointment.id);
    expect(scheduling.calls.at(-1)).toMatchObject({ method: 'book', caller: { tenantId: auth.tenantId }, request: { idempotencyKey: 'desk-1' } });

    const again = await call('POST', '/v1/appointments', booking('2031-01-06T09:00:00+01:00', { idempotencyKey: 'desk-1' }), { headers: { 'idempotency-key': 'desk-1' } });
    expect(again.statusCode).toBe(201);
    expect(appointmentSchema.parse(again.json()).id).toBe(appointmentId);

    const taken = await call('POST', '/v1/appointments', booking('2031-01-06T08:15:00Z'));
    expect(taken.statusCode).toBe(409);
    expect(problem(taken).code).toBe('slot_taken');
    // a key always goes to scheduling: without one the request is its own intent
    expect((scheduling.calls.at(-1)?.request as { idempotencyKey: string }).idempotencyKey).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('refuses a time outside the working hours with 400 outside_working_hours', async () => {
    for (const startsAt of ['2031-01-06T13:45:00+01:00', '2031-01-08T10:00:00+01:00', '2031-01-06T12:45:00+01:00']) {
      const response = await call('POST', '/v1/appointments', booking(startsAt));
      expect(response.statusCode, startsAt).toBe(400);
      expect(problem(response).code).toBe('outside_working_hours');
    }
  });

  it('names invalid fields without echoing them, and refuses unknown fields and differing keys before any call', async () => {
    const before = scheduling.calls.length;
    const badNumber = await call('POST', '/v1/appointments', booking('2031-01-06T10:00:00Z', { patient: { waId: '+34 611 222 333', displayName: PATIENT_NAME } }));
    expect(paths(badNumber)).toEqual(['body/patient/waId']);
    expect(badNumber.body).not.toContain('611');
    expect(badNumber.body).not.toContain(PATIENT_NAME);
    expect(paths(await call('POST', '/v1/appointments', { ...booking('2031-01-06T10:00:00Z'), tenantId: randomUUID() }))).toEqual(['body']);
    expect(paths(await call('POST', '/v1/appointments', booking('tomorrow at ten')))).toEqual(['body/startsAt']);
    const mismatch = await call('POST', '/v1/appointments', booking('2031-01-06T10:00:00Z', { idempotencyKey: 'a' }), { headers: { 'idempotency-key': 'b' } });
    expect(problem(mismatch).code).toBe('idempotency_key_mismatch');
    expect(scheduling.calls.length).toBe(before);
  });

  it('reads one appointment for its own tenant only (another hospital: 404 like an unknown id)', async () => {
    const read = await call('GET', `/v1/appointments/${appointmentId}`);
    expect(read.statusCode).toBe(200);
    expect(appointmentSchema.parse(read.json()).id).toBe(appointmentId);
    const other = await auth.mint({ roles: [...['front_desk' as const]], tenantId: randomUUID() });
    for (const url of [`/v1/appointments/${appointmentId}`, `/v1/appointments/${randomUUID()}`]) {
      const response = await call('GET', url, undefined, { token: url.includes(appointmentId) ? other : desk });
      expect(response.statusCode).toBe(404);
      expect(problem(response).code).toBe('appointment_not_found');
      expect(response.body).not.toContain(WA_ID);
    }
    const cancel = await call('POST', `/v1/appointments/${appointmentId}/cancel`, {}, { token: other });
    expect(cancel.statusCode).toBe(404);
    expect(scheduling.appointment(auth.tenantId, appointmentId)?.state).toBe('APPOINTMENT_STATE_BOOKED');
    expect(paths(await call('GET', '/v1/appointments/12345'))).toEqual(['params/id']);
  });

  it('lists a day, reschedules, cancels and records attendance', async () => {
    const second = appointmentSchema.parse((await call('POST', '/v1/appointments', booking('2031-01-06T10:00:00+01:00'))).json());
    const day = await call('GET', `/v1/appointments?from=2031-01-06T00:00:00%2B01:00&to=2031-01-07T00:00:00%2B01:00&clinicianId=${ids.clinician}&limit=2`);
    expect(day.statusCode, day.body).toBe(200);
    const list = appointmentListSchema.parse(day.json());
    expect(list.items.map((item) => item.id)).toEqual([appointmentId, second.id]);
    expect(list.limitReached).toBe(true);
    expect(paths(await call('GET', '/v1/appointments?from=2031-01-06T00:00:00Z'))).toEqual(['query/to']);

    // onto the other's slot: taken; to another clinician at the same time: moved
    const clash = await call('POST', `/v1/appointments/${second.id}/reschedule`, { startsAt: '2031-01-06T09:00:00+01:00' });
    expect(problem(clash).code).toBe('slot_taken');
    const moved = await call('POST', `/v1/appointments/${second.id}/reschedule`, { startsAt: '2031-01-06T09:00:00+01:00', clinicianId: ids.other });
    expect(moved.statusCode, moved.body).toBe(200);
    expect(appointmentSchema.parse(moved.json())).toMatchObject({ status: 'rescheduled', clinicianId: ids.other, startsAt: '2031-01-06T08:00:00.000Z' });
    const late = await call('POST', `/v1/appointments/${second.id}/reschedule`, { startsAt: '2031-01-06T20:00:00+01:00' });
    expect(problem(late).code).toBe('outside_working_hours');

    const cancelled = await call('POST', `/v1/appointments/${second.id}/cancel`, { cancelledBy: 'patient' });
    expect(appointmentSchema.parse(cancelled.json()).status).toBe('cancelled_by_patient');
    expect(scheduling.calls.at(-1)?.request).toEqual({ appointmentId: second.id, byPatient: true });
    const notActive = await call('POST', `/v1/appointments/${second.id}/attendance`, { outcome: 'attended' });
    expect(notActive.statusCode).toBe(409);
    expect(problem(notActive).code).toBe('appointment_not_active');
    expect(paths(await call('POST', `/v1/appointments/${second.id}/cancel`, { cancelledBy: 'robot' }))).toEqual(['body/cancelledBy']);

    const staffCancel = appointmentSchema.parse((await call('POST', '/v1/appointments', booking('2031-01-06T11:00:00+01:00'))).json());
    expect(appointmentSchema.parse((await call('POST', `/v1/appointments/${staffCancel.id}/cancel`, {})).json()).status).toBe('cancelled_by_staff');

    const noShow = await call('POST', `/v1/appointments/${appointmentId}/attendance`, { outcome: 'no_show' });
    expect(noShow.statusCode).toBe(200);
    expect(appointmentSchema.parse(noShow.json()).status).toBe('no_show');
  });

  it('reports no-show rates grouped as asked', async () => {
    const attended = appointmentSchema.parse((await call('POST', '/v1/appointments', booking('2031-01-07T09:00:00+01:00'))).json());
    await call('POST', `/v1/appointments/${attended.id}/attendance`, { outcome: 'attended' });
    const byClinic = await call('GET', '/v1/reports/no-shows?from=2031-01-01T00:00:00Z&to=2031-02-01T00:00:00Z');
    expect(byClinic.statusCode, byClinic.body).toBe(200);
    expect(noShowReportSchema.parse(byClinic.json())).toEqual({
      groupBy: 'clinic',
      total: 2,
      noShows: 1,
      rate: 0.5,
      items: [{ key: ids.clinic, total: 2, noShows: 1, rate: 0.5 }],
    });
    const byDay = noShowReportSchema.parse((await call('GET', '/v1/reports/no-shows?from=2031-01-01T00:00:00Z&to=2031-02-01T00:00:00Z&groupBy=day')).json());
    expect(byDay.items).toEqual([
      { key: '2031-01-06', total: 1, noShows: 1, rate: 1 },
      { key: '2031-01-07', total: 1, noShows: 0, rate: 0 },
    ]);
    const empty = noShowReportSchema.parse((await call('GET', '/v1/reports/no-shows?from=2030-01-01T00:00:00Z&to=2030-02-01T00:00:00Z&groupBy=confirmation')).json());
    expect(empty).toEqual({ groupBy: 'confirmation', total: 0, noShows: 0, rate: null, items: [] });
    expect(paths(await call('GET', '/v1/reports/no-shows?from=2030-01-01T00:00:00Z&to=2031-06-01T00:00:00Z'))).toEqual(['query/to']);
    expect(paths(await call('GET', '/v1/reports/no-shows?from=2030-01-01T00:00:00Z&to=2030-06-01T00:00:00Z&groupBy=week'))).toEqual(['query/groupBy']);
  });

  it('imports by external id: a repeated batch converges on the same appointments, and each item fails on its own', async () => {
    const batch = {
      appointments: [
        { externalId: 'EHR-1', clinicianId: ids.clinician, appointmentTypeId: ids.type, startsAt: '2031-01-09T07:00:00Z', patient: { waId: WA_ID } },
        { externalId: 'EHR-2', clinicianId: randomUUID(), appointmentTypeId: ids.type, startsAt: '2031-01-09T09:00:00Z', patient: { waId: WA_ID } },
      ],
    };
    const first = importResultSchema.parse((await call('POST', '/v1/appointments/import', batch)).json()).results;
    expect(first[0]).toMatchObject({ externalId: 'EHR-1', errorCode: null });
    expect(first[1]).toEqual({ externalId: 'EHR-2', appointmentId: null, errorCode: 'clinician_not_found' });
    const again = importResultSchema.parse((await call('POST', '/v1/appointments/import', batch)).json()).results;
    expect(again[0]?.appointmentId).toBe(first[0]?.appointmentId);
    expect(scheduling.calls.at(-1)?.request).toMatchObject({ appointments: [{ externalId: 'EHR-1', cancelled: false }, { externalId: 'EHR-2' }] });
    expect(paths(await call('POST', '/v1/appointments/import', { appointments: [] }))).toEqual(['body/appointments']);
  });
});

describe('permissions, outages and logs', () => {
  it('needs appointments:read / appointments:write, answers 503 while scheduling is down, and never logs a number', async () => {
    const auditor = await auth.mint({ roles: ['auditor'] });
    const before = scheduling.calls.length;
    const refused = await call('POST', '/v1/appointments', booking('2031-01-06T12:00:00+01:00'), { token: auditor });
    expect(refused.statusCode).toBe(403);
    expect(problem(refused).details).toEqual({ permission: 'appointments:write' });
    expect(scheduling.calls.length).toBe(before);
    scheduling.setAvailable(false);
    try {
      const down = await call('GET', `/v1/appointments/${randomUUID()}`);
      expect(down.statusCode).toBe(503);
      expect(problem(down)).toMatchObject({ code: 'service_unavailable', details: { service: 'scheduling' } });
    } finally {
      scheduling.setAvailable(true);
    }
    expect(app.logs()).not.toContain(WA_ID);
    expect(app.logs()).not.toContain(PATIENT_NAME);
  });
});
