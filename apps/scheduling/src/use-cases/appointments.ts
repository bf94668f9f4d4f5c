// Booking, moving, cancelling, attendance and imports. Each change, its reminder plan (or the
// cancellation of it), its AppointmentEventV1 and its audit event commit in ONE transaction.
import { randomUUID } from 'node:crypto';
import {
  type Appointment,
  type BookRequest,
  type CancelRequest,
  type GetAppointmentRequest,
  type ImportAppointmentsRequest,
  type ImportResult,
  type ImportedAppointment,
  type ListAppointmentsRequest,
  type MarkAttendanceRequest,
  type RescheduleRequest,
  WA_ID_HASH_PURPOSE,
} from '@careline/contracts';
import { type Queryable, withTenant } from '@careline/db';
import { isDomainError } from '@careline/runtime';
import {
  type AppointmentRow,
  findByKey,
  getAppointment,
  insertAppointment,
  listAppointments,
  updateAppointment,
} from '../db/appointments';
import { findAppointmentType, findClinicians, loadWorkingTimes } from '../db/calendar';
import { cancelTimers } from '../db/reminders';
import { isDoubleBooking, isTransientConflict, isUniqueViolation } from '../db/rows';
import { appointmentNotFound, entityNotFound, invalidRequest, notActive, outsideWorkingHours, slotTaken } from '../domain/errors';
import { type ReminderPolicy } from '../domain/policy';
import { withinWorkingHours } from '../domain/slots';
import { atRestContext } from '../domain/sealing';
import { type AppointmentStateName, isActive } from '../domain/states';
import { MINUTE_MS } from '../domain/time';
import { AUDIT_ACTIONS, type AuditActor, recordAudit } from './audit';
import { type Authorize } from './authorize';
import { type TenantCaller } from './caller';
import { type UseCaseDeps } from './deps';
import { type EventActor, callerActor, emitAppointmentEvent } from './events';
import { loadPolicy, planAppointment } from './plan';
import { type PatientInput, instant, limit, optionalUuid, patient, range, uuid } from './validate';
import { appointmentView } from './views';

const MAX_IMPORT = 500;

const MAX_CONFLICT_ATTEMPTS = 4;

/**
 * Turns the database's refusal of an overlapping booking into `slot_taken`, and runs the whole
 * transaction again when Postgres aborted it to break a deadlock or a serialization conflict
 * (nothing of it was committed), so a busy slot answers `slot_taken`, never an internal error.
 */
async function mapDoubleBooking<T>(work: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await work();
    } catch (error) {
      if (isDoubleBooking(error)) throw slotTaken();
      if (isTransientConflict(error) && attempt < MAX_CONFLICT_ATTEMPTS) continue;
      throw error;
    }
  }
}

export interface MoveInput {
  startsAt: Date;
  clinicianId: string;
  state: AppointmentStateName;
  confirmedAt: Date | null;
}

export function createAppointmentUseCases(deps: UseCaseDeps, authorize: Authorize) {
  const { pool, clock } = deps;

  async function clinicianAndType(client: Queryable, tenantId: string, clinicianId: string, typeId: string) {
    const [clinician] = await findClinicians(client, tenantId, { clinicianIds: [clinicianId] });
    if (clinician === undefined) throw entityNotFound('clinician');
    const type = await findAppointmentType(client, tenantId, typeId);
    if (type === undefined) throw entityNotFound('appointment_type');
    return { clinician, type };
  }

  async function checkWorkingHours(client: Queryable, tenantId: string, clinicianId: string, timeZone: string, startsAt: Date, endsAt: Date) {
    const times = await loadWorkingTimes(client, tenantId, [clinicianId]);
    // A clinician without any hours set is bookable at any time (e.g. calendars kept in an EHR).
    if (times.hours.length === 0 && times.exceptions.length === 0) return;
    const calendar = {
      timeZone,
      weekly: times.hours.map((h) => ({ weekday: h.weekday, startMinutes: h.start_min, endMinutes: h.end_min })),
      exceptions: times.exceptions.map((e) => ({
        date: e.day,
        ...(e.start_min === null || e.end_min === null ? {} : { hours: { startMinutes: e.start_min, endMinutes: e.end_min } }),
      })),
    };
    if (!withinWorkingHours(calendar, startsAt, endsAt)) throw outsideWorkingHours();
  }

  /** Inserts a new appointment with its plan and event (caller's transaction). */
  async function create(
    client: Queryable,
    tenantId: string,
    input: { id: string; clinicianId: string; typeId: string; startsAt: Date; patient: PatientInput; externalId: string | null; idempotencyKey: string | null; enforceHours: boolean; cancelled?: boolean },
    actor: EventActor,
    now: Date,
  ): Promise<{ row: AppointmentRow; policy: ReminderPolicy }> {
    const { clinician, type } = await clinicianAndType(client, tenantId, input.clinicianId, input.typeId);
    const endsAt = new Date(input.startsAt.getTime() + type.duration_minutes * MINUTE_MS);
    if (input.enforceHours) await checkWorkingHours(client, tenantId, clinician.id, clinician.time_zone, input.startsAt, endsAt);
    const policy = await loadPolicy(client, tenantId);
    await insertAppointment(client, {
      id: input.id,
      tenantId,
      clinicId: clinician.clinic_id,
      clinicianId: clinician.id,
      appointmentTypeId: type.id,
      mode: type.mode,
      startsAt: input.startsAt,
      endsAt,
      state: input.cancelled === true ? 'cancelled_by_staff' : 'booked',
      patientId: input.patient.patientId,
      waIdHash: await deps.sealer.blindIndex(tenantId, WA_ID_HASH_PURPOSE, input.patient.waId),
      waIdSealed: await deps.atRest.seal(tenantId, input.patient.waId, atRestContext.appointmentWaId(input.id)),
      displayNameSealed:
        input.patient.displayName === undefined
          ? null
          : await deps.atRest.seal(tenantId, input.patient.displayName, atRestContext.appointmentDisplayName(input.id)),
      language: input.patient.language ?? policy.defaultLanguage,
      phoneNumberId: input.patient.phoneNumberId,
      externalId: input.externalId,
      idempotencyKey: input.idempotencyKey,
      at: now,
    });
    const row = await getAppointment(client, tenantId, input.id);
    if (row === undefined) throw new Error('appointment vanished after insert');
    if (input.cancelled !== true) {
      await planAppointment(client, row, policy, clinician.time_zone, now);
      await emitAppointmentEvent(deps, client, row, { $case: 'booked', value: { imported: input.externalId !== null } }, actor, now);
    }
    return { row, policy };
  }

  /**
   * Moves an active appointment (caller's transaction, appointment locked by the caller): its
   * unsent reminders are cancelled and re-planned for the new time, in this same transaction.
   */
  async function move(client: Queryable, current: AppointmentRow, input: MoveInput, actor: EventActor, now: Date): Promise<AppointmentRow> {
    const tenantId = current.tenant_id;
    const { clinician, type } = await clinicianAndType(client, tenantId, input.clinicianId, current.appointment_type_id);
    const endsAt = new Date(input.startsAt.getTime() + type.duration_minutes * MINUTE_MS);
    const row = await updateAppointment(client, tenantId, current.id, {
      startsAt: input.startsAt,
      endsAt,
      clinicianId: clinician.id,
      clinicId: clinician.clinic_id,
      state: input.state,
      confirmedAt: input.confirmedAt,
      moved: true,
      at: now,
    });
    await cancelTimers(client, tenantId, current.id);
    await planAppointment(client, row, await loadPolicy(client, tenantId), clinician.time_zone, now);
    await emitAppointmentEvent(
      deps,
      client,
      row,
      { $case: 'rescheduled', value: { previousStartsAt: current.starts_at, previousClinicianId: current.clinician_id } },
      actor,
      now,
    );
    return row;
  }

  async function cancelIn(client: Queryable, current: AppointmentRow, byPatient: boolean, actor: EventActor, now: Date): Promise<AppointmentRow> {
    const row = await updateAppointment(client, current.tenant_id, current.id, {
      state: byPatient ? 'cancelled_by_patient' : 'cancelled_by_staff',
      at: now,
    });
    await cancelTimers(client, current.tenant_id, current.id);
    await emitAppointmentEvent(deps, client, row, { $case: 'cancelled', value: { byPatient } }, actor, now);
    return row;
  }

  function audit(client: Queryable, actor: AuditActor, row: AppointmentRow, action: (typeof AUDIT_ACTIONS)[keyof typeof AUDIT_ACTIONS], now: Date, detail?: Record<string, string>) {
    return recordAudit(client, row.tenant_id, actor, {
      action,
      resource: { type: 'appointment', id: row.id },
      patient: { waIdHash: row.wa_id_hash, patientId: row.patient_id },
      outcome: 'success',
      at: now,
      ...(detail === undefined ? {} : { detail }),
    });
  }

  async function locked(client: Queryable, tenantId: string, id: string): Promise<AppointmentRow> {
    const row = await getAppointment(client, tenantId, id, { forUpdate: true });
    if (row === undefined) throw appointmentNotFound();
    return row;
  }

  return {
    /** internal, for replies and booking in chat */
    create,
    move,
    cancelIn,
    audit,

    async book(caller: TenantCaller, request: BookRequest): Promise<{ appointment: Appointment }> {
      await authorize(caller, 'appointments:write', AUDIT_ACTIONS.book);
      const input = {
        id: randomUUID(),
        clinicianId: uuid('clinician_id', request.clinicianId),
        typeId: uuid('appointment_type_id', request.appointmentTypeId),
        startsAt: instant('starts_at', request.startsAt),
        patient: patient(request.patient),
        externalId: null,
        idempotencyKey: request.idempotencyKey === '' ? null : request.idempotencyKey,
        enforceHours: true,
      };
      if (input.idempotencyKey !== null && input.idempotencyKey.length > 200) throw invalidRequest('idempotency_key', 'must be at most 200 characters');
      const attempt = () =>
        withTenant(pool, caller.tenantId, async (client) => {
          const now = clock();
          if (input.idempotencyKey !== null) {
            const existing = await findByKey(client, caller.tenantId, { idempotencyKey: input.idempotencyKey });
            if (existing !== undefined) return appointmentView(deps, existing, await loadPolicy(client, caller.tenantId));
          }
          const { row, policy } = await create(client, caller.tenantId, input, callerActor(caller.roles), now);
          await audit(client, { caller }, row, AUDIT_ACTIONS.book, now);
          return appointmentView(deps, row, policy);
        });
      try {
        return { appointment: await mapDoubleBooking(attempt) };
      } catch (error) {
        // The same idempotency key booked concurrently: the other call won; answer with its booking.
        if (isUniqueViolation(error) && input.idempotencyKey !== null) return { appointment: await attempt() };
        throw error;
      }
    },

    async reschedule(caller: TenantCaller, request: RescheduleRequest): Promise<{ appointment: Appointment }> {
      await authorize(caller, 'appointments:write', AUDIT_ACTIONS.reschedule);
      const id = uuid('appointment_id', request.appointmentId);
      const startsAt = instant('starts_at', request.startsAt);
      const clinicianId = optionalUuid('clinician_id', request.clinicianId);
      const appointment = await mapDoubleBooking(() =>
        withTenant(pool, caller.tenantId, async (client) => {
          const now = clock();
          const current = await locked(client, caller.tenantId, id);
          if (!isActive(current.state)) throw notActive();
          const target = clinicianId ?? current.clinician_id;
          const { clinician, type } = await clinicianAndType(client, caller.tenantId, target, current.appointment_type_id);
          await checkWorkingHours(client, caller.tenantId, clinician.id, clinician.time_zone, startsAt, new Date(startsAt.getTime() + type.duration_minutes * MINUTE_MS));
          const row = await move(client, current, { startsAt, clinicianId: target, state: 'rescheduled', confirmedAt: null }, callerActor(caller.roles), now);
          await audit(client, { caller }, row, AUDIT_ACTIONS.reschedule, now);
          return appointmentView(deps, row, await loadPolicy(client, caller.tenantId));
        }),
      );
      return { appointment };
    },

    async cancel(caller: TenantCaller, request: CancelRequest): Promise<{ appointment: Appointment }> {
      await authorize(caller, 'appointments:write', AUDIT_ACTIONS.cancel);
      const id = uuid('appointment_id', request.appointmentId);
      const appointment = await withTenant(pool, caller.tenantId, async (client) => {
        const now = clock();
        const current = await locked(client, caller.tenantId, id);
        let row = current;
        if (isActive(current.state)) {
          row = await cancelIn(client, current, request.byPatient, callerActor(caller.roles), now);
        } else if (current.state !== 'cancelled_by_patient' && current.state !== 'cancelled_by_staff') {
          throw notActive();
        }
        // cancelling a cancelled appointment again changes nothing (a retried call)
        await audit(client, { caller }, row, AUDIT_ACTIONS.cancel, now);
        return appointmentView(deps, row, await loadPolicy(client, caller.tenantId));
      });
      return { appointment };
    },

    async markAttendance(caller: TenantCaller, request: MarkAttendanceRequest): Promise<{ appointment: Appointment }> {
      await authorize(caller, 'appointments:write', AUDIT_ACTIONS.attendance);
      const id = uuid('appointment_id', request.appointmentId);
      const appointment = await withTenant(pool, caller.tenantId, async (client) => {
        const now = clock();
        const current = await locked(client, caller.tenantId, id);
        if (current.state === 'cancelled_by_patient' || current.state === 'cancelled_by_staff') throw notActive();
        const state = request.attended ? 'attended' : 'no_show';
        let row = current;
        if (current.state !== state) {
          row = await updateAppointment(client, caller.tenantId, id, { state, noShowAutomatic: false, at: now });
          await cancelTimers(client, caller.tenantId, id);
          await emitAppointmentEvent(
            deps,
            client,
            row,
            request.attended ? { $case: 'attended', value: {} } : { $case: 'noShow', value: { automatic: false } },
            callerActor(caller.roles),
            now,
          );
        }
        await audit(client, { caller }, row, AUDIT_ACTIONS.attendance, now, { state });
        return appointmentView(deps, row, await loadPolicy(client, caller.tenantId));
      });
      return { appointment };
    },

    async getAppointment(caller: TenantCaller, request: GetAppointmentRequest): Promise<{ appointment: Appointment }> {
      await authorize(caller, 'appointments:read', AUDIT_ACTIONS.read);
      const id = uuid('appointment_id', request.appointmentId);
      const appointment = await withTenant(pool, caller.tenantId, async (client) => {
        const row = await getAppointment(client, caller.tenantId, id);
        if (row === undefined) throw appointmentNotFound();
        await audit(client, { caller }, row, AUDIT_ACTIONS.read, clock());
        return appointmentView(deps, row, await loadPolicy(client, caller.tenantId));
      });
      return { appointment };
    },

    async listAppointments(caller: TenantCaller, request: ListAppointmentsRequest): Promise<{ appointments: Appointment[] }> {
      await authorize(caller, 'appointments:read', AUDIT_ACTIONS.list);
      const { from, to } = range(request.from, request.to, 31);
      const filter = {
        from,
        to,
        limit: limit(request.limit, 100, 500),
        ...definedOnly({ clinicId: optionalUuid('clinic_id', request.clinicId), clinicianId: optionalUuid('clinician_id', request.clinicianId) }),
      };
      const appointments = await withTenant(pool, caller.tenantId, async (client) => {
        const rows = await listAppointments(client, caller.tenantId, filter);
        const policy = await loadPolicy(client, caller.tenantId);
        await recordAudit(client, caller.tenantId, { caller }, {
          action: AUDIT_ACTIONS.list,
          resource: { type: 'appointment_list', id: filter.clinicId ?? filter.clinicianId ?? '' },
          outcome: 'success',
          at: clock(),
          detail: { count: String(rows.length), appointment_ids: rows.map((row) => row.id).join(',').slice(0, 4000) },
        });
        return Promise.all(rows.map((row) => appointmentView(deps, row, policy)));
      });
      return { appointments };
    },

    async importAppointments(caller: TenantCaller, request: ImportAppointmentsRequest): Promise<{ results: ImportResult[] }> {
      await authorize(caller, 'appointments:write', AUDIT_ACTIONS.import);
      if (request.appointments.length > MAX_IMPORT) throw invalidRequest('appointments', `must be at most ${MAX_IMPORT}`);
      const results: ImportResult[] = [];
      // One transaction per appointment: one refused item (a clash, an unknown clinician) does not
      // undo the others, and a repeated batch converges on the same rows (keyed by external_id).
      for (const item of request.appointments) {
        try {
          const id = await importOne(caller, item);
          results.push({ externalId: item.externalId, appointmentId: id, errorCode: '' });
        } catch (error) {
          if (!isDomainError(error)) throw error;
          results.push({ externalId: item.externalId, appointmentId: '', errorCode: error.code });
        }
      }
      return { results };
    },
  };

  async function importOne(caller: TenantCaller, item: ImportedAppointment): Promise<string> {
    if (item.externalId === '' || item.externalId.length > 200) throw invalidRequest('external_id', 'must be 1 to 200 characters');
    const clinicianId = uuid('clinician_id', item.clinicianId);
    const typeId = uuid('appointment_type_id', item.appointmentTypeId);
    const startsAt = instant('starts_at', item.startsAt);
    const who = patient(item.patient);
    return mapDoubleBooking(() =>
      withTenant(pool, caller.tenantId, async (client) => {
        const now = clock();
        const existing = await findByKey(client, caller.tenantId, { externalId: item.externalId });
        if (existing === undefined) {
          const { row } = await create(
            client,
            caller.tenantId,
            { id: randomUUID(), clinicianId, typeId, startsAt, patient: who, externalId: item.externalId, idempotencyKey: null, enforceHours: false, cancelled: item.cancelled },
            'integration',
            now,
          );
          await audit(client, { caller }, row, AUDIT_ACTIONS.import, now);
          return row.id;
        }
        if (!isActive(existing.state)) return existing.id;
        if (item.cancelled) {
          const row = await cancelIn(client, existing, false, 'integration', now);
          await audit(client, { caller }, row, AUDIT_ACTIONS.cancel, now);
        } else if (existing.starts_at.getTime() !== startsAt.getTime() || existing.clinician_id !== clinicianId) {
          const row = await move(client, existing, { startsAt, clinicianId, state: 'rescheduled', confirmedAt: null }, 'integration', now);
          await audit(client, { caller }, row, AUDIT_ACTIONS.reschedule, now);
        }
        return existing.id;
      }),
    );
  }
}

export type AppointmentUseCases = ReturnType<typeof createAppointmentUseCases>;

function definedOnly<T extends Record<string, unknown>>(values: T): Partial<T> {
  return Object.fromEntries(Object.entries(values).filter(([, value]) => value !== undefined)) as Partial<T>;
}
