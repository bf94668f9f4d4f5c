// The booking guarantees and the reminder clock against the real Postgres: the database refuses
// double bookings under concurrency, each stage fires at its time (the test moves the clock), a
// cancelled or moved appointment's reminders never go out, two clock instances send each reminder
// exactly once (counted on a fake MessagingService), messaging being down only delays, and the
// no-show check marks unconfirmed, unattended appointments.
import { randomUUID } from 'node:crypto';
import { status as GrpcStatus, type ServiceError } from '@grpc/grpc-js';
import { AppointmentState, MessagePurpose, TOPICS, appointmentEvent, sealContext } from '@careline/contracts';
import { type TopicRecord, readTopic } from '@careline/bus/testing';
import { createLocalKeyProvider, createSealer } from '@careline/crypto';
import { createPool, findTablesWithoutTenantIsolation } from '@careline/db';
import { PLATFORM_OPERATOR_ROLE } from '@careline/auth';
import { metadataForCaller } from '@careline/runtime';
import { DEFAULT_POLICY } from './domain/policy';
import { policyToProto } from './use-cases/views';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDispatcher } from './clock/dispatcher';
import { createSender } from './clock/sender';
import { createAtRest } from './domain/sealing';
import { createMessagingClient } from './edges/messaging-client';
import { type Harness, createClinic, dayAt, frontDesk, randomWaId, startHarness } from './int-test-support';

const HOUR = 3_600_000;
let h: Harness;

beforeAll(async () => {
  h = await startHarness({ consumer: false });
});
afterAll(async () => {
  await h?.close();
});

async function flush(): Promise<void> {
  await h.app.dispatcher.drain();
  while ((await h.app.sender.tick()) > 0);
}

const templatesOf = (tenantId: string) => h.messaging.templates.filter((call) => call.tenantId === tenantId);

async function reminderStates(appointmentId: string): Promise<Record<string, string>> {
  const { rows } = await h.db.adminPool.query<{ stage: string; state: string }>(
    'SELECT stage, state FROM scheduling.reminders WHERE appointment_id = $1',
    [appointmentId],
  );
  return Object.fromEntries(rows.map((row) => [row.stage, row.state]));
}

async function sendRequestsOf(appointmentId: string): Promise<number> {
  const { rows } = await h.db.adminPool.query<{ n: number }>('SELECT count(*)::int AS n FROM scheduling.send_requests WHERE appointment_id = $1', [appointmentId]);
  return rows[0]?.n ?? 0;
}

async function book(clinic: Awaited<ReturnType<typeof createClinic>>, startsAt: Date, options: { waId?: string; clinician?: number; language?: string } = {}) {
  const response = await h.client.book(
    {
      clinicianId: clinic.clinicianIds[options.clinician ?? 0],
      appointmentTypeId: clinic.typeId,
      startsAt,
      patient: { patientId: '', waId: options.waId ?? randomWaId(), languageCode: options.language ?? '', displayName: 'Ana', phoneNumberId: '' },
    },
    frontDesk(clinic.tenantId),
  );
  return response.appointment!;
}

describe('booking', () => {
  it('gives exactly one success to 20 concurrent bookings of one slot (the database refuses the rest)', async () => {
    h.setNow(new Date());
    const clinic = await createClinic(h);
    const startsAt = dayAt(h.now(), 5, 10);
    const results = await Promise.allSettled(Array.from({ length: 20 }, () => book(clinic, startsAt)));
    const ok = results.filter((result) => result.status === 'fulfilled');
    const refused = results.filter((result): result is PromiseRejectedResult => result.status === 'rejected');
    expect(ok).toHaveLength(1);
    expect(refused).toHaveLength(19);
    for (const result of refused) {
      const error = result.reason as ServiceError;
      expect(error.code).toBe(GrpcStatus.ALREADY_EXISTS);
      expect(error.metadata.get('x-careline-error-code')).toEqual(['slot_taken']);
    }
    const { rows } = await h.db.adminPool.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM scheduling.appointments WHERE tenant_id = $1 AND state IN ('booked', 'confirmed', 'rescheduled')`,
      [clinic.tenantId],
    );
    expect(rows[0]?.n).toBe(1);
    // back to back is fine: half-open ranges
    await expect(book(clinic, new Date(startsAt.getTime() + 30 * 60_000))).resolves.toBeDefined();
  });

  it('imports idempotently by external id: a repeated batch moves or cancels the same appointments', async () => {
    h.setNow(new Date());
    const clinic = await createClinic(h);
    const md = frontDesk(clinic.tenantId);
    const patient = { patientId: '', waId: randomWaId(), languageCode: 'es', displayName: '', phoneNumberId: '' };
    const item = (externalId: string, startsAt: Date, cancelled = false) => ({
      externalId, clinicianId: clinic.clinicianIds[0]!, appointmentTypeId: clinic.typeId, startsAt, patient, cancelled,
    });
    const first = await h.client.importAppointments(
      { appointments: [item('EHR-1', dayAt(h.now(), 3, 9)), item('EHR-2', dayAt(h.now(), 3, 10)), { ...item('EHR-3', dayAt(h.now(), 3, 11)), clinicianId: randomUUID() }] },
      md,
    );
    expect(first.results.map((r) => r.errorCode)).toEqual(['', '', 'clinician_not_found']);
    const again = await h.client.importAppointments({ appointments: [item('EHR-1', dayAt(h.now(), 3, 12)), item('EHR-2', dayAt(h.now(), 3, 10), true)] }, md);
    expect(again.results.map((r) => r.appointmentId)).toEqual(first.results.slice(0, 2).map((r) => r.appointmentId));
    const moved = (await h.client.getAppointment({ appointmentId: first.results[0]!.appointmentId }, md)).appointment!;
    expect(moved.startsAt).toEqual(dayAt(h.now(), 3, 12));
    expect(moved.externalId).toBe('EHR-1');
    expect((await h.client.getAppointment({ appointmentId: first.results[1]!.appointmentId }, md)).appointment?.state).toBe(
      AppointmentState.APPOINTMENT_STATE_CANCELLED_BY_STAFF,
    );
  });

  it('emits appointment.events.v1 with ids and times only, the number sealed and the key tenant:patient hash', async () => {
    h.setNow(new Date());
    const clinic = await createClinic(h);
    const waId = randomWaId();
    const appointment = await book(clinic, dayAt(h.now(), 6, 10), { waId });
    const decode = (record: TopicRecord) => appointmentEvent.decode(new Uint8Array(record.value ?? Buffer.alloc(0)));
    const records = await readTopic(h.kafka, TOPICS.appointmentEvents, {
      until: (got) => got.some((record) => decode(record).appointmentId === appointment.id),
      timeoutMs: 20_000,
    });
    const record = records.find((r) => decode(r).appointmentId === appointment.id)!;
    const event = decode(record);
    expect(event.change?.$case).toBe('booked');
    expect(record.key).toBe(`${clinic.tenantId}:${appointment.patientWaIdHash}`);
    expect(record.value?.includes(Buffer.from(waId))).toBe(false);
    expect(await h.sealer.openString(clinic.tenantId, event.patientWaId!, sealContext(TOPICS.appointmentEvents, event.eventId))).toBe(waId);
  });

  it('keeps every tenant table under forced row-level security', async () => {
    expect(await findTablesWithoutTenantIsolation(h.db.adminPool, 'scheduling')).toEqual([]);
  });
});

describe('the reminder clock', () => {
  it('fires each stage at its time, with the template, the quick-reply references and the reminder id as idempotency key', async () => {
    h.setNow(new Date());
    const clinic = await createClinic(h);
    const waId = randomWaId();
    const startsAt = dayAt(h.now(), 5, 14);
    const appointment = await book(clinic, startsAt, { waId, language: 'es' });
    expect(await reminderStates(appointment.id)).toEqual({ '72h': 'pending', '24h': 'pending', '2h': 'pending' });

    for (const [index, hours] of [72, 24, 2].entries()) {
      const due = startsAt.getTime() - hours * HOUR;
      h.setNow(new Date(due - 60_000));
      await flush();
      expect(templatesOf(clinic.tenantId)).toHaveLength(index);
      h.setNow(new Date(due + 1_000));
      await flush();
      const calls = templatesOf(clinic.tenantId);
      expect(calls).toHaveLength(index + 1);
      const request = calls[index]!.request;
      expect(request.templateName).toBe('appointment_reminder');
      expect(request.languageCode).toBe('es');
      expect(request.purpose).toBe(MessagePurpose.MESSAGE_PURPOSE_REMINDER);
      expect(request.recipient).toEqual({ $case: 'patient', value: { waId, phoneNumberId: '' } });
      expect(request.parameters.map((p) => p.name)).toEqual(['1', '2', '3']);
      expect(request.parameters[1]?.text).toContain('Dr Example 1');
      expect(request.buttons.map((b) => b.value)).toEqual(
        ['confirm', 'reschedule', 'cancel'].map((action) => `appt:${appointment.id}:${action}:${request.idempotencyKey}`),
      );
    }
    expect(await reminderStates(appointment.id)).toEqual({ '72h': 'sent', '24h': 'sent', '2h': 'sent' });
    // nothing more, however late it gets (until the no-show check)
    h.setNow(new Date(startsAt.getTime() - 60_000));
    await flush();
    expect(templatesOf(clinic.tenantId)).toHaveLength(3);
  });

  it('puts the join link of a video visit in its reminder', async () => {
    h.setNow(new Date());
    const clinic = await createClinic(h);
    const startsAt = dayAt(h.now(), 4, 11);
    const response = await h.client.book(
      { clinicianId: clinic.clinicianIds[0], appointmentTypeId: clinic.videoTypeId, startsAt, patient: { patientId: '', waId: randomWaId(), languageCode: '', displayName: '', phoneNumberId: '' } },
      frontDesk(clinic.tenantId),
    );
    const id = response.appointment!.id;
    expect(response.appointment!.videoLink).toBe(`https://video.example/${id}`);
    h.setNow(new Date(startsAt.getTime() - 24 * HOUR + 1_000));
    await flush();
    const [call] = templatesOf(clinic.tenantId);
    expect(call?.request.parameters[1]?.text).toContain(`https://video.example/${id}`);
    expect(call?.request.parameters[0]?.text).toBe('there');
  });

  it('plans only the stages still worth sending for a late booking', async () => {
    const clinic = await createClinic(h);
    h.setNow(dayAt(new Date(), 1, 6));
    const appointment = await book(clinic, new Date(h.now().getTime() + 10 * HOUR));
    expect(await reminderStates(appointment.id)).toEqual({ '72h': 'skipped', '24h': 'skipped', '2h': 'pending' });
  });

  it('never sends the reminders of a cancelled appointment, even one already dispatched', async () => {
    h.setNow(new Date());
    const clinic = await createClinic(h);
    const startsAt = dayAt(h.now(), 5, 15);
    const early = await book(clinic, startsAt);
    const late = await book(clinic, new Date(startsAt.getTime() + HOUR));
    await h.client.cancel({ appointmentId: early.id }, frontDesk(clinic.tenantId));
    // the 72 h stage of `late` is dispatched (send request written) but not yet handed to messaging…
    h.setNow(new Date(late.startsAt!.getTime() - 72 * HOUR + 1_000));
    await h.app.dispatcher.drain();
    expect(await sendRequestsOf(late.id)).toBe(1);
    // …when staff cancel it: the send request goes with the cancellation
    await h.client.cancel({ appointmentId: late.id }, frontDesk(clinic.tenantId));
    h.setNow(new Date(startsAt.getTime() + 10 * HOUR));
    await flush();
    expect(templatesOf(clinic.tenantId)).toEqual([]);
    expect(await reminderStates(early.id)).toEqual({ '72h': 'cancelled', '24h': 'cancelled', '2h': 'cancelled' });
    expect(await reminderStates(late.id)).toEqual({ '72h': 'cancelled', '24h': 'cancelled', '2h': 'cancelled' });
    expect(await sendRequestsOf(late.id)).toBe(0);
    const { appointment } = await h.client.getAppointment({ appointmentId: late.id }, frontDesk(clinic.tenantId));
    expect(appointment?.state).toBe(AppointmentState.APPOINTMENT_STATE_CANCELLED_BY_STAFF);
  });

  it('re-plans a moved appointment: the old times never fire, the new ones do', async () => {
    h.setNow(new Date());
    const clinic = await createClinic(h);
    const startsAt = dayAt(h.now(), 5, 9);
    const appointment = await book(clinic, startsAt);
    const movedTo = dayAt(h.now(), 7, 16);
    await h.client.reschedule({ appointmentId: appointment.id, startsAt: movedTo }, frontDesk(clinic.tenantId));
    // past the old 72 h (day 2 09:00) and 24 h (day 4 09:00) stages, before the new 72 h (day 4 16:00)
    h.setNow(new Date(startsAt.getTime() - 24 * HOUR + 60_000));
    await flush();
    expect(templatesOf(clinic.tenantId)).toEqual([]);
    h.setNow(new Date(movedTo.getTime() - 72 * HOUR + 1_000));
    await flush();
    expect(templatesOf(clinic.tenantId)).toHaveLength(1);
    const { appointment: moved } = await h.client.getAppointment({ appointmentId: appointment.id }, frontDesk(clinic.tenantId));
    expect(moved?.state).toBe(AppointmentState.APPOINTMENT_STATE_RESCHEDULED);
    expect(moved?.startsAt).toEqual(movedTo);
  });

  it('sends each reminder exactly once with two clock instances running at once', async () => {
    h.setNow(new Date());
    const clinics = [await createClinic(h), await createClinic(h)];
    for (const clinic of clinics) {
      for (let day = 4; day <= 5; day += 1) {
        for (let slot = 0; slot < 10; slot += 1) {
          await book(clinic, dayAt(h.now(), day, 8 + Math.floor(slot / 2), (slot % 2) * 30));
        }
      }
    }
    const second = createPool({ url: h.serviceUrl, applicationName: 'scheduling-2', max: 4 });
    // the second instance talks to the same fake messaging over its own channel
    const messaging = createMessagingClient({ target: h.messaging.address, timeoutMs: 5000 });
    try {
      const sealer = createSealer(createLocalKeyProvider({ masterKey: Buffer.from(h.masterKey, 'base64') }));
      const deps = { pool: second, clock: h.now, sealer, atRest: createAtRest(sealer), logger: h.logs.logger };
      const instances = [
        { dispatcher: createDispatcher({ ...deps, batchSize: 7 }), sender: createSender({ ...deps, messaging }, { batchSize: 5 }) },
        { dispatcher: h.app.dispatcher, sender: h.app.sender },
      ];
      // day 3 at 20:00: due are the 72 h and 24 h stages of the day-4 appointments and the 72 h
      // stages of the day-5 ones: 30 per tenant
      h.setNow(dayAt(new Date(), 3, 20));
      const run = async (instance: (typeof instances)[number]) => {
        for (let round = 0; round < 200; round += 1) {
          const claimed = (await instance.dispatcher.tick()) + (await instance.sender.tick());
          if (claimed === 0) return;
        }
      };
      await Promise.all([run(instances[0]!), run(instances[1]!), run(instances[0]!), run(instances[1]!)]);
      const calls = clinics.flatMap((clinic) => templatesOf(clinic.tenantId));
      const keys = new Set(calls.map((call) => call.request.idempotencyKey));
      const { rows } = await h.db.adminPool.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM scheduling.reminders WHERE tenant_id = ANY($1) AND state = 'sent'`,
        [clinics.map((clinic) => clinic.tenantId)],
      );
      expect(rows[0]?.n).toBe(60);
      expect(calls).toHaveLength(60);
      expect(keys.size).toBe(calls.length);
    } finally {
      messaging.close();
      await second.end();
    }
  });

  it('keeps a reminder while messaging is down and sends it once when it is back', async () => {
    h.setNow(new Date());
    const clinic = await createClinic(h);
    const startsAt = dayAt(h.now(), 5, 13);
    const appointment = await book(clinic, startsAt);
    h.setNow(new Date(startsAt.getTime() - 72 * HOUR + 1_000));
    await h.app.dispatcher.drain();
    h.messaging.failNext(2);
    for (let attempt = 0; attempt < 3; attempt += 1) {
      await h.app.sender.tick();
      h.setNow(new Date(h.now().getTime() + 5_000));
    }
    expect(templatesOf(clinic.tenantId)).toHaveLength(1);
    expect(await reminderStates(appointment.id)).toMatchObject({ '72h': 'sent' });
  });

  it('marks an unconfirmed appointment without attendance no_show after the grace, and serves the rates', async () => {
    h.setNow(new Date());
    const clinic = await createClinic(h);
    const startsAt = dayAt(h.now(), 2, 10);
    const missed = await book(clinic, startsAt);
    const came = await book(clinic, new Date(startsAt.getTime() + HOUR));
    h.setNow(new Date(startsAt.getTime() + 2 * HOUR));
    await h.client.markAttendance({ appointmentId: came.id, attended: true }, frontDesk(clinic.tenantId));
    h.setNow(new Date(startsAt.getTime() + 30 * 60_000 + 59 * 60_000));
    await flush();
    expect((await h.client.getAppointment({ appointmentId: missed.id }, frontDesk(clinic.tenantId))).appointment?.state).toBe(AppointmentState.APPOINTMENT_STATE_BOOKED);
    h.setNow(new Date(startsAt.getTime() + 30 * 60_000 + 61 * 60_000));
    await flush();
    expect((await h.client.getAppointment({ appointmentId: missed.id }, frontDesk(clinic.tenantId))).appointment?.state).toBe(AppointmentState.APPOINTMENT_STATE_NO_SHOW);
    expect((await h.client.getAppointment({ appointmentId: came.id }, frontDesk(clinic.tenantId))).appointment?.state).toBe(AppointmentState.APPOINTMENT_STATE_ATTENDED);
    const stats = await h.client.noShowStats({ from: new Date(startsAt.getTime() - 86_400_000), to: new Date(startsAt.getTime() + 86_400_000) }, frontDesk(clinic.tenantId));
    const total = stats.buckets.reduce((sum, bucket) => sum + bucket.total, 0);
    const noShows = stats.buckets.reduce((sum, bucket) => sum + bucket.noShows, 0);
    expect({ total, noShows }).toEqual({ total: 2, noShows: 1 });
    expect(stats.buckets.every((bucket) => bucket.clinicId === clinic.clinicId && !bucket.confirmed)).toBe(true);
  });

  it('refuses callers without the appointment permissions', async () => {
    const tenantId = randomUUID();
    const auditor = metadataForCaller({ tenantId, actor: 'user:auditor', roles: ['auditor'] });
    await expect(h.client.getAppointment({ appointmentId: randomUUID() }, auditor)).rejects.toMatchObject({ code: GrpcStatus.PERMISSION_DENIED });
  });

  it('lets the admin, the front desk and an integration set up calendars, but not a nurse (who may book)', async () => {
    const tenantId = randomUUID();
    const upsertSite = (roles: string[]) =>
      new Promise<unknown>((resolve, reject) =>
        h.client.raw.upsertSite(
          { site: { id: '', name: 'North', timeZone: 'Europe/Madrid' } },
          metadataForCaller({ tenantId, actor: `user:${roles.join('+')}`, roles }),
          (error: ServiceError | null, response: unknown) => (error === null ? resolve(response) : reject(error)),
        ),
      );
    await expect(upsertSite(['nurse'])).rejects.toMatchObject({ code: GrpcStatus.PERMISSION_DENIED });
    await expect(upsertSite(['clinician'])).rejects.toMatchObject({ code: GrpcStatus.PERMISSION_DENIED });
    for (const roles of [['admin'], ['front_desk'], ['integration']]) {
      await expect(upsertSite(roles), roles[0]).resolves.toMatchObject({ site: { name: 'North' } });
    }
  });

  it("lets the hospital's admin and the platform operator set the reminder policy, and nobody else", async () => {
    const tenantId = randomUUID();
    const policy = policyToProto({ ...DEFAULT_POLICY, noShowAfterMinutes: 45 });
    await expect(h.client.setReminderPolicy(policy, frontDesk(tenantId))).rejects.toMatchObject({ code: GrpcStatus.PERMISSION_DENIED });
    const admin = metadataForCaller({ tenantId, actor: 'user:admin', roles: ['admin'] });
    expect((await h.client.setReminderPolicy(policy, admin)).policy?.noShowAfterMinutes).toBe(45);
    const operator = metadataForCaller({ tenantId, actor: 'operator:ops', roles: [PLATFORM_OPERATOR_ROLE] });
    expect((await h.client.setReminderPolicy({ ...policy, noShowAfterMinutes: 50 }, operator)).policy?.noShowAfterMinutes).toBe(50);
  });
});
