// Appointments through the REST api, every app a real process (scheduling's database enforcing
// the no-double-booking rule, Meta played by the simulator): staff set up a site, clinic,
// clinician, hours and a type; a patient writes to the hospital; the front desk searches
// availability and books for them; two concurrent bookings of one slot give one 201 and one 409;
// the booking is moved, another cancelled, attendance recorded, and the no-show report counts it.
// Another hospital's token gets 404 on the appointment, with nothing of it in the answer.
import { randomUUID } from 'node:crypto';
import { ROLES } from '@careline/auth';
import { type JsonResponse, requestJson } from '@careline/stack';
import { waitFor } from '@careline/testing';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { problemCode, staffClient } from './support/api';
import { useStack } from './support/stack';
import { randomWaId } from './support/webhooks';

const stack = useStack('appointments-api', { apps: ['wa-simulator', 'gateway', 'ingest', 'messaging', 'scheduling', 'api'] });

const PATIENT_NAME = 'Rosa Cita';

const appointmentSchema = z.object({
  id: z.string(),
  clinicId: z.string(),
  clinicianId: z.string(),
  status: z.string(),
  startsAt: z.string(),
  endsAt: z.string(),
  patient: z.object({ waId: z.string(), displayName: z.string().nullable() }),
  patientWaIdHash: z.string(),
});
const slotsSchema = z.object({ items: z.array(z.object({ clinicianId: z.string(), clinicId: z.string(), startsAt: z.string(), endsAt: z.string() })) });
const reportSchema = z.object({
  groupBy: z.string(),
  total: z.number(),
  noShows: z.number(),
  rate: z.number().nullable(),
  items: z.array(z.object({ key: z.string(), total: z.number(), noShows: z.number(), rate: z.number().nullable() })),
});

describe('appointments through the api', () => {
  it('sets up a calendar, books for a patient who wrote, refuses a double booking, moves, cancels, marks a no-show and reports it', async () => {
    const s = stack();
    const api = `${s.urls.api}/v1`;
    const call = (token: string, method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<JsonResponse> =>
      requestJson(method, `${api}${path}`, { headers: { authorization: `Bearer ${token}`, ...headers }, ...(body === undefined ? {} : { body }) });
    const ok = (response: JsonResponse, status: number, what: string) => {
      expect(response.status, `${what}: ${response.text}`).toBe(status);
      return response.body;
    };

    // the calendar set-up needs scheduling:configure (admin, front desk, integration), checked by
    // the api and again by scheduling: a nurse may book but not reshape the diaries
    const nurse = await s.mintToken({ subject: `nurse-${randomUUID().slice(0, 8)}`, roles: ['nurse'] });
    const desk = await s.mintToken({ subject: `desk-${randomUUID().slice(0, 8)}`, roles: ['front_desk'] });
    const ids = { site: randomUUID(), clinic: randomUUID(), clinician: randomUUID(), type: randomUUID() };
    const refused = await call(nurse, 'PUT', `/sites/${ids.site}`, { name: 'Hospital Central', timeZone: 'America/Argentina/Buenos_Aires' });
    expect(refused.status).toBe(403);
    expect(problemCode(refused)).toBe('permission_denied');
    ok(await call(desk, 'PUT', `/sites/${ids.site}`, { name: 'Hospital Central', timeZone: 'America/Argentina/Buenos_Aires' }), 200, 'site');
    const badZone = await call(desk, 'PUT', `/sites/${ids.site}`, { name: 'Hospital Central', timeZone: 'Europe/Atlantis' });
    expect(badZone.status).toBe(400);
    ok(await call(desk, 'PUT', `/clinics/${ids.clinic}`, { siteId: ids.site, name: 'Traumatología' }), 200, 'clinic');
    ok(await call(desk, 'PUT', `/clinicians/${ids.clinician}`, { clinicId: ids.clinic, displayName: 'Dr Ruiz' }), 200, 'clinician');
    // open every day, nearly all day: slots exist whenever the test runs
    const week = [1, 2, 3, 4, 5, 6, 7].map((weekday) => ({ weekday, start: '00:00', end: '23:30' }));
    ok(await call(desk, 'PUT', `/clinicians/${ids.clinician}/working-hours`, { hours: week, exceptions: [] }), 200, 'hours');
    ok(await call(desk, 'PUT', `/appointment-types/${ids.type}`, { name: 'Consulta', mode: 'in_person', durationMinutes: 20 }), 200, 'type');
    // whoever books (the nurse too) reads the set-up back by name, the site with its zone
    const items = (body: unknown) => z.object({ items: z.array(z.looseObject({ id: z.string() })) }).parse(body).items;
    expect(items(ok(await call(nurse, 'GET', '/sites'), 200, 'sites'))).toContainEqual({ id: ids.site, name: 'Hospital Central', timeZone: 'America/Argentina/Buenos_Aires' });
    expect(items(ok(await call(nurse, 'GET', `/clinics?siteId=${ids.site}`), 200, 'clinics'))).toEqual([{ id: ids.clinic, siteId: ids.site, name: 'Traumatología' }]);
    expect(items(ok(await call(nurse, 'GET', `/clinicians?clinicId=${ids.clinic}`), 200, 'clinicians'))).toEqual([{ id: ids.clinician, clinicId: ids.clinic, displayName: 'Dr Ruiz' }]);
    expect(items(ok(await call(nurse, 'GET', '/appointment-types'), 200, 'types'))).toContainEqual({ id: ids.type, name: 'Consulta', mode: 'in_person', durationMinutes: 20 });

    // a patient writes to the hospital; the front desk sees the conversation and books for them
    const waId = randomWaId();
    await s.patientSays(waId, 'Hello, could I see Dr Ruiz about my knee next week?', { profileName: PATIENT_NAME });
    const deskInbox = await staffClient(s, { roles: ['front_desk'] });
    const conversation = await waitFor(() => deskInbox.conversationWith(waId), { message: 'the conversation in the inbox', timeoutMs: 20_000 });
    expect(conversation.patient.phoneNumber).toContain(waId.slice(-4));

    const from = new Date(Date.now() + 2 * 86_400_000);
    const to = new Date(from.getTime() + 86_400_000);
    const slots = slotsSchema.parse(
      ok(
        await call(desk, 'GET', `/availability?appointmentTypeId=${ids.type}&clinicId=${ids.clinic}&from=${from.toISOString()}&to=${to.toISOString()}&limit=5`),
        200,
        'availability',
      ),
    ).items;
    expect(slots.length).toBe(5);
    expect(slots.every((slot) => slot.clinicianId === ids.clinician)).toBe(true);
    const [first, second, third] = slots;

    const booked = appointmentSchema.parse(
      ok(
        await call(
          desk,
          'POST',
          '/appointments',
          { clinicianId: ids.clinician, appointmentTypeId: ids.type, startsAt: first!.startsAt, patient: { waId, displayName: PATIENT_NAME, languageCode: 'en_US' } },
          { 'idempotency-key': `book-${conversation.id}` },
        ),
        201,
        'book',
      ),
    );
    expect(booked).toMatchObject({ status: 'booked', clinicId: ids.clinic, startsAt: first!.startsAt, patient: { waId } });
    // the booked slot is no longer offered
    const after = slotsSchema.parse(ok(await call(desk, 'GET', `/availability?appointmentTypeId=${ids.type}&clinicianId=${ids.clinician}&from=${from.toISOString()}&to=${to.toISOString()}&limit=5`), 200, 'availability')).items;
    expect(after.map((slot) => slot.startsAt)).not.toContain(first!.startsAt);
    // a retried booking (same key) is the same booking
    const retried = await call(
      desk,
      'POST',
      '/appointments',
      { clinicianId: ids.clinician, appointmentTypeId: ids.type, startsAt: first!.startsAt, patient: { waId, displayName: PATIENT_NAME, languageCode: 'en_US' } },
      { 'idempotency-key': `book-${conversation.id}` },
    );
    expect(appointmentSchema.parse(ok(retried, 201, 'retried booking')).id).toBe(booked.id);

    // two desks book the same slot at once: exactly one wins, the other gets 409 slot_taken
    const race = await Promise.all(
      [randomWaId(), randomWaId()].map((other) =>
        call(desk, 'POST', '/appointments', { clinicianId: ids.clinician, appointmentTypeId: ids.type, startsAt: second!.startsAt, patient: { waId: other } }),
      ),
    );
    expect(race.map((response) => response.status).sort()).toEqual([201, 409]);
    const loser = race.find((response) => response.status === 409)!;
    expect(problemCode(loser)).toBe('slot_taken');
    const winner = appointmentSchema.parse(race.find((response) => response.status === 201)!.body);

    // the day view lists both
    const day = z
      .object({ items: z.array(appointmentSchema), limitReached: z.boolean() })
      .parse(ok(await call(desk, 'GET', `/appointments?from=${from.toISOString()}&to=${to.toISOString()}&clinicId=${ids.clinic}`), 200, 'list'));
    expect(day.items.map((item) => item.id)).toEqual([booked.id, winner.id]);

    // moving onto the winner's slot is refused; onto a free one works
    const clash = await call(desk, 'POST', `/appointments/${booked.id}/reschedule`, { startsAt: second!.startsAt });
    expect(clash.status).toBe(409);
    expect(problemCode(clash)).toBe('slot_taken');
    const moved = appointmentSchema.parse(ok(await call(desk, 'POST', `/appointments/${booked.id}/reschedule`, { startsAt: third!.startsAt }), 200, 'reschedule'));
    expect(moved).toMatchObject({ id: booked.id, status: 'rescheduled', startsAt: third!.startsAt });
    // outside the working hours (23:40 at the site; Buenos Aires keeps -03:00 all year): a 400 with its own code
    const late = await call(desk, 'POST', `/appointments/${booked.id}/reschedule`, { startsAt: `${from.toISOString().slice(0, 10)}T23:40:00-03:00` });
    expect(late.status, late.text).toBe(400);
    expect(problemCode(late)).toBe('outside_working_hours');

    const cancelled = appointmentSchema.parse(ok(await call(desk, 'POST', `/appointments/${winner.id}/cancel`, {}), 200, 'cancel'));
    expect(cancelled.status).toBe('cancelled_by_staff');
    const notActive = await call(desk, 'POST', `/appointments/${winner.id}/reschedule`, { startsAt: second!.startsAt });
    expect(problemCode(notActive)).toBe('appointment_not_active');

    const noShow = appointmentSchema.parse(ok(await call(desk, 'POST', `/appointments/${booked.id}/attendance`, { outcome: 'no_show' }), 200, 'attendance'));
    expect(noShow.status).toBe('no_show');
    const read = appointmentSchema.parse(ok(await call(desk, 'GET', `/appointments/${booked.id}`), 200, 'read'));
    expect(read).toMatchObject({ status: 'no_show', startsAt: third!.startsAt, patientWaIdHash: booked.patientWaIdHash });

    // the report counts the no-show (the cancelled appointment is not a finished one)
    const range = `from=${from.toISOString()}&to=${to.toISOString()}`;
    const byClinic = reportSchema.parse(ok(await call(desk, 'GET', `/reports/no-shows?${range}`), 200, 'report'));
    expect(byClinic).toEqual({ groupBy: 'clinic', total: 1, noShows: 1, rate: 1, items: [{ key: ids.clinic, total: 1, noShows: 1, rate: 1 }] });
    const byConfirmation = reportSchema.parse(ok(await call(desk, 'GET', `/reports/no-shows?${range}&groupBy=confirmation`), 200, 'report'));
    expect(byConfirmation.items).toEqual([{ key: 'unconfirmed', total: 1, noShows: 1, rate: 1 }]);

    // another hospital, holding every role: the appointment does not exist for it
    const other = await s.mintToken({ tenantId: randomUUID(), roles: [...ROLES] });
    for (const [method, path, body] of [
      ['GET', `/appointments/${booked.id}`, undefined],
      ['POST', `/appointments/${booked.id}/cancel`, {}],
      ['POST', `/appointments/${booked.id}/attendance`, { outcome: 'attended' }],
    ] as const) {
      const response = await call(other, method, path, body);
      expect(response.status, `${method} ${path}`).toBe(404);
      expect(problemCode(response)).toBe('appointment_not_found');
      expect(response.text).not.toContain(waId);
    }
    const theirs = z.object({ items: z.array(z.object({ id: z.string() })) }).parse(ok(await call(other, 'GET', `/appointments?${range}`), 200, 'their list'));
    expect(theirs.items).toEqual([]);
    const theirReport = reportSchema.parse(ok(await call(other, 'GET', `/reports/no-shows?${range}`), 200, 'their report'));
    expect(theirReport.total).toBe(0);
    // and A's appointment is as it was
    expect(appointmentSchema.parse(ok(await call(desk, 'GET', `/appointments/${booked.id}`), 200, 'read again')).status).toBe('no_show');
  });
});
