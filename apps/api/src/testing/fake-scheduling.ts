// An in-memory SchedulingService for the api's tests, following
// proto/careline/scheduling/v1/scheduling.proto and apps/scheduling's behaviour where the api can
// observe it: the tenant from the caller (never a request field; another tenant's ids are
// NOT_FOUND), the reminder policy (a default until set, stages earliest-first, duplicate stage
// names refused), the calendar set-up (parents must exist), free slots from working hours in the
// site's zone, bookings that refuse a time outside working hours (`outside_working_hours`) or
// overlapping an active appointment of the clinician (`slot_taken`), idempotency keys, state
// changes, the import by external id and no-show buckets. Refusals go through the real client's
// error mapping (`schedulingCallError`), so a route test sees what the api would answer.
// Not modelled: the audit, reminders, the permission re-check.
import { randomUUID } from 'node:crypto';
import {
  type Appointment,
  AppointmentMode,
  AppointmentState,
  type AppointmentType,
  type Clinic,
  type Clinician,
  type ImportResult,
  type NoShowBucket,
  type PatientRef,
  type ReminderPolicy,
  type Site,
  type Slot,
  type WorkingException,
  type WorkingHours,
} from '@careline/contracts';
import {
  type Caller,
  conflict,
  failedPrecondition,
  invalidArgument,
  isDomainError,
  notFound,
  unauthenticated,
  unavailable,
} from '@careline/runtime';
import { type SchedulingClient, schedulingCallError } from '../grpc/scheduling-client';

type Method = Exclude<keyof SchedulingClient, 'close'>;

export interface RecordedSchedulingCall {
  method: Method;
  caller: Caller;
  request: unknown;
}

export interface FakeScheduling {
  client: SchedulingClient;
  calls: RecordedSchedulingCall[];
  setAvailable(available: boolean): void;
  /** The stored appointment (for assertions), or undefined. */
  appointment(tenantId: string, id: string): Appointment | undefined;
}

/** scheduling's default policy (apps/scheduling/src/domain/policy.ts). */
export const DEFAULT_REMINDER_POLICY: ReminderPolicy = {
  stages: [
    { name: '24h', minutesBefore: 24 * 60, templates: { en_US: 'appointment_reminder' } },
    { name: '2h', minutesBefore: 120, templates: { en_US: 'appointment_reminder' } },
  ],
  quietStart: '21:00',
  quietEnd: '08:00',
  minLeadMinutes: 60,
  noShowAfterMinutes: 60,
  videoLinkTemplate: 'https://video.example/{appointment_id}',
  defaultLanguage: 'en_US',
};

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const MINUTE = 60_000;
const ACTIVE = new Set([AppointmentState.APPOINTMENT_STATE_BOOKED, AppointmentState.APPOINTMENT_STATE_CONFIRMED, AppointmentState.APPOINTMENT_STATE_RESCHEDULED]);
const CANCELLED = new Set([AppointmentState.APPOINTMENT_STATE_CANCELLED_BY_PATIENT, AppointmentState.APPOINTMENT_STATE_CANCELLED_BY_STAFF]);

const invalid = (field: string, problem: string) => invalidArgument('invalid_request', `${field} ${problem}.`, { details: { field } });
const missing = (entity: string) => notFound(`${entity}_not_found`, `No such ${entity.replace('_', ' ')} for this tenant.`);

function uuid(field: string, value: string): string {
  if (!UUID.test(value)) throw invalid(field, 'must be a UUID');
  return value.toLowerCase();
}

function instant(field: string, value: Date | undefined): Date {
  if (value === undefined || Number.isNaN(value.getTime())) throw invalid(field, 'is required');
  return value;
}

function range(from: Date | undefined, to: Date | undefined, maxDays: number): { from: Date; to: Date } {
  const start = instant('from', from);
  const end = instant('to', to);
  if (end <= start) throw invalid('to', 'must be after from');
  if (end.getTime() - start.getTime() > maxDays * 86_400_000) throw invalid('to', `must be at most ${maxDays} days after from`);
  return { from: start, to: end };
}

function minutesOf(hhMm: string): number {
  const [h, m] = hhMm.split(':').map(Number);
  return (h ?? 0) * 60 + (m ?? 0);
}

/** Local date, ISO weekday and minutes of the day of an instant in a zone. */
function local(at: Date, timeZone: string): { date: string; weekday: number; minutes: number } {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-US', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit', weekday: 'short', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' })
      .formatToParts(at)
      .map((part) => [part.type, part.value]),
  );
  const weekday = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'].indexOf(parts['weekday'] ?? '') + 1;
  return { date: `${parts['year']}-${parts['month']}-${parts['day']}`, weekday, minutes: Number(parts['hour']) * 60 + Number(parts['minute']) };
}

interface Calendar {
  hours: WorkingHours[];
  exceptions: WorkingException[];
}

export function createFakeScheduling(): FakeScheduling {
  const policies = new Map<string, ReminderPolicy>();
  const sites = new Map<string, Site>();
  const clinics = new Map<string, Clinic>();
  const clinicians = new Map<string, Clinician>();
  const types = new Map<string, AppointmentType>();
  const calendars = new Map<string, Calendar>();
  const appointments = new Map<string, Appointment & { tenantId: string; idempotencyKey: string }>();
  const calls: RecordedSchedulingCall[] = [];
  let available = true;
  const key = (tenantId: string, id: string) => `${tenantId}:${id}`;

  // A refusal rejects the promise (as over gRPC) rather than throwing synchronously.
  const run = <T>(method: Method, caller: Caller, request: unknown, fn: (tenantId: string) => T): Promise<T> => {
    try {
      if (!available) throw unavailable('service_unavailable', 'The scheduling service is unavailable; try again shortly.', { details: { service: 'scheduling' } });
      if (caller.tenantId === undefined) throw unauthenticated('tenant_required', 'x-careline-tenant is required.');
      calls.push({ method, caller, request });
      return Promise.resolve(fn(caller.tenantId));
    } catch (error) {
      return Promise.reject(isDomainError(error) ? schedulingCallError(error) : error instanceof Error ? error : new Error('fake scheduling failed'));
    }
  };

  /** A tenant's rows of one map, sorted by `name` then id (as scheduling's lists are). */
  const listed = <T extends { id: string }>(map: Map<string, T>, tenantId: string, nameOf: (row: T) => string): T[] =>
    [...map.entries()]
      .filter(([k]) => k.startsWith(`${tenantId}:`))
      .map(([, row]) => row)
      .sort((a, b) => (nameOf(a) < nameOf(b) ? -1 : nameOf(a) > nameOf(b) ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const optional = (field: string, value: string): string | undefined => (value === '' ? undefined : uuid(field, value));

  const siteZone = (tenantId: string, clinician: Clinician): string => {
    const clinic = clinics.get(key(tenantId, clinician.clinicId));
    return (clinic === undefined ? undefined : sites.get(key(tenantId, clinic.siteId)))?.timeZone ?? 'UTC';
  };

  const clinicianOf = (tenantId: string, id: string): Clinician => {
    const found = clinicians.get(key(tenantId, uuid('clinician_id', id)));
    if (found === undefined) throw missing('clinician');
    return found;
  };

  const typeOf = (tenantId: string, id: string): AppointmentType => {
    const found = types.get(key(tenantId, uuid('appointment_type_id', id)));
    if (found === undefined) throw missing('appointment_type');
    return found;
  };

  const withinHours = (tenantId: string, clinician: Clinician, startsAt: Date, minutes: number): boolean => {
    const calendar = calendars.get(key(tenantId, clinician.id));
    if (calendar === undefined) return false;
    const at = local(startsAt, siteZone(tenantId, clinician));
    const end = at.minutes + minutes;
    const exception = calendar.exceptions.find((e) => e.date === at.date);
    if (exception !== undefined) {
      return exception.startTime !== '' && minutesOf(exception.startTime) <= at.minutes && end <= minutesOf(exception.endTime);
    }
    return calendar.hours.some((h) => h.weekday === at.weekday && minutesOf(h.startTime) <= at.minutes && end <= minutesOf(h.endTime));
  };

  const overlaps = (tenantId: string, clinicianId: string, startsAt: Date, endsAt: Date, except?: string): boolean =>
    [...appointments.values()].some(
      (a) =>
        a.tenantId === tenantId &&
        a.clinicianId === clinicianId &&
        a.id !== except &&
        ACTIVE.has(a.state) &&
        a.startsAt! < endsAt &&
        startsAt < a.endsAt!,
    );

  const appointmentOf = (tenantId: string, id: string) => {
    const found = appointments.get(key(tenantId, uuid('appointment_id', id)));
    if (found === undefined) throw notFound('appointment_not_found', 'No such appointment for this tenant.');
    return found;
  };

  const patientOf = (ref: PatientRef | undefined): PatientRef => {
    if (ref === undefined) throw invalid('patient', 'is required');
    if (!/^[1-9][0-9]{6,14}$/.test(ref.waId)) throw invalid('patient.wa_id', 'must be an international number, digits only');
    return { ...ref };
  };

  const view = (stored: Appointment & { tenantId: string; idempotencyKey: string }): Appointment => {
    const { tenantId: _tenant, idempotencyKey: _key, ...appointment } = stored;
    return { ...appointment, patient: appointment.patient === undefined ? undefined : { ...appointment.patient } };
  };

  const create = (
    tenantId: string,
    input: { clinicianId: string; typeId: string; startsAt: Date | undefined; patient: PatientRef | undefined; externalId: string; idempotencyKey: string; enforceHours: boolean; cancelled?: boolean },
  ) => {
    const clinician = clinicianOf(tenantId, input.clinicianId);
    const type = typeOf(tenantId, input.typeId);
    const startsAt = instant('starts_at', input.startsAt);
    const patient = patientOf(input.patient);
    const endsAt = new Date(startsAt.getTime() + type.durationMinutes * MINUTE);
    if (input.enforceHours && !withinHours(tenantId, clinician, startsAt, type.durationMinutes)) {
      throw failedPrecondition('outside_working_hours', "The time is outside the clinician's working hours.");
    }
    if (input.cancelled !== true && overlaps(tenantId, clinician.id, startsAt, endsAt)) throw conflict('slot_taken', 'The clinician already has an appointment at that time.');
    const now = new Date();
    const id = randomUUID();
    const stored = {
      tenantId,
      idempotencyKey: input.idempotencyKey,
      id,
      clinicId: clinician.clinicId,
      clinicianId: clinician.id,
      appointmentTypeId: type.id,
      mode: type.mode,
      startsAt,
      endsAt,
      state: input.cancelled === true ? AppointmentState.APPOINTMENT_STATE_CANCELLED_BY_STAFF : AppointmentState.APPOINTMENT_STATE_BOOKED,
      patient,
      patientWaIdHash: `hash-${patient.waId.length}-${id.slice(0, 8)}`,
      externalId: input.externalId,
      confirmedAt: undefined,
      videoLink: type.mode === AppointmentMode.APPOINTMENT_MODE_VIDEO ? `https://video.example/${id}` : '',
      createdAt: now,
      updatedAt: now,
    };
    appointments.set(key(tenantId, id), stored);
    return stored;
  };

  const client: SchedulingClient = {
    getReminderPolicy: (caller) =>
      run('getReminderPolicy', caller, {}, (tenantId) => ({ policy: policies.get(tenantId) ?? DEFAULT_REMINDER_POLICY })),
    setReminderPolicy: (caller, request) =>
      run('setReminderPolicy', caller, request, (tenantId) => {
        const policy = request.policy;
        if (policy === undefined) throw invalid('policy', 'is required');
        if (new Set(policy.stages.map((stage) => stage.name)).size !== policy.stages.length) {
          throw invalid('policy.', 'stage names must be unique');
        }
        const stored = { ...policy, stages: [...policy.stages].sort((a, b) => b.minutesBefore - a.minutesBefore) };
        policies.set(tenantId, stored);
        return { policy: stored };
      }),

    upsertSite: (caller, request) =>
      run('upsertSite', caller, request, (tenantId) => {
        const site = request.site;
        if (site === undefined) throw invalid('site', 'is required');
        try {
          new Intl.DateTimeFormat('en-US', { timeZone: site.timeZone });
        } catch {
          throw invalid('site.time_zone', 'must be an IANA time zone');
        }
        const stored = { ...site, id: site.id === '' ? randomUUID() : uuid('site.id', site.id) };
        sites.set(key(tenantId, stored.id), stored);
        return { site: stored };
      }),
    upsertClinic: (caller, request) =>
      run('upsertClinic', caller, request, (tenantId) => {
        const clinic = request.clinic;
        if (clinic === undefined) throw invalid('clinic', 'is required');
        if (!sites.has(key(tenantId, uuid('clinic.site_id', clinic.siteId)))) throw missing('site');
        const stored = { ...clinic, id: clinic.id === '' ? randomUUID() : uuid('clinic.id', clinic.id) };
        clinics.set(key(tenantId, stored.id), stored);
        return { clinic: stored };
      }),
    upsertClinician: (caller, request) =>
      run('upsertClinician', caller, request, (tenantId) => {
        const clinician = request.clinician;
        if (clinician === undefined) throw invalid('clinician', 'is required');
        if (!clinics.has(key(tenantId, uuid('clinician.clinic_id', clinician.clinicId)))) throw missing('clinic');
        const stored = { ...clinician, id: clinician.id === '' ? randomUUID() : uuid('clinician.id', clinician.id) };
        clinicians.set(key(tenantId, stored.id), stored);
        return { clinician: stored };
      }),
    upsertAppointmentType: (caller, request) =>
      run('upsertAppointmentType', caller, request, (tenantId) => {
        const type = request.appointmentType;
        if (type === undefined) throw invalid('appointment_type', 'is required');
        if (type.durationMinutes < 5 || type.durationMinutes > 480) throw invalid('appointment_type.duration_minutes', 'must be 5 to 480');
        const stored = { ...type, id: type.id === '' ? randomUUID() : uuid('appointment_type.id', type.id) };
        types.set(key(tenantId, stored.id), stored);
        return { appointmentType: stored };
      }),
    setWorkingHours: (caller, request) =>
      run('setWorkingHours', caller, request, (tenantId) => {
        const clinician = clinicianOf(tenantId, request.clinicianId);
        calendars.set(key(tenantId, clinician.id), { hours: [...request.hours], exceptions: [...request.exceptions] });
        return {};
      }),

    listSites: (caller) => run('listSites', caller, {}, (tenantId) => ({ sites: listed(sites, tenantId, (site) => site.name).map((site) => ({ ...site })) })),
    listClinics: (caller, request) =>
      run('listClinics', caller, request, (tenantId) => {
        const siteId = optional('site_id', request.siteId);
        return { clinics: listed(clinics, tenantId, (clinic) => clinic.name).filter((clinic) => siteId === undefined || clinic.siteId === siteId).map((clinic) => ({ ...clinic })) };
      }),
    listClinicians: (caller, request) =>
      run('listClinicians', caller, request, (tenantId) => {
        const clinicId = optional('clinic_id', request.clinicId);
        return {
          clinicians: listed(clinicians, tenantId, (clinician) => clinician.displayName)
            .filter((clinician) => clinicId === undefined || clinician.clinicId === clinicId)
            .map((clinician) => ({ ...clinician })),
        };
      }),
    listAppointmentTypes: (caller) =>
      run('listAppointmentTypes', caller, {}, (tenantId) => ({ appointmentTypes: listed(types, tenantId, (type) => type.name).map((type) => ({ ...type })) })),

    searchAvailability: (caller, request) =>
      run('searchAvailability', caller, request, (tenantId) => {
        const type = typeOf(tenantId, request.appointmentTypeId);
        if (request.clinicId === '' && request.clinicianId === '') throw invalid('clinic_id', 'or clinician_id is required');
        const window = range(request.from, request.to, 31);
        const limit = request.limit === 0 ? 20 : Math.min(request.limit, 200);
        const who = [...clinicians.entries()]
          .filter(([k, c]) => k.startsWith(`${tenantId}:`) && (request.clinicianId === '' || c.id === request.clinicianId) && (request.clinicId === '' || c.clinicId === request.clinicId))
          .map(([, c]) => c);
        const slots: Slot[] = [];
        const step = type.durationMinutes * MINUTE;
        const first = Math.max(window.from.getTime(), Date.now());
        const start0 = Math.ceil(first / step) * step;
        for (let t = start0; t + step <= window.to.getTime() && slots.length < limit; t += step) {
          for (const clinician of who) {
            const startsAt = new Date(t);
            const endsAt = new Date(t + step);
            if (withinHours(tenantId, clinician, startsAt, type.durationMinutes) && !overlaps(tenantId, clinician.id, startsAt, endsAt)) {
              slots.push({ clinicianId: clinician.id, clinicId: clinician.clinicId, startsAt, endsAt });
              if (slots.length >= limit) break;
            }
          }
        }
        return { slots };
      }),

    book: (caller, request) =>
      run('book', caller, request, (tenantId) => {
        if (request.idempotencyKey !== '') {
          const existing = [...appointments.values()].find((a) => a.tenantId === tenantId && a.idempotencyKey === request.idempotencyKey);
          if (existing !== undefined) return { appointment: view(existing) };
        }
        const stored = create(tenantId, {
          clinicianId: request.clinicianId,
          typeId: request.appointmentTypeId,
          startsAt: request.startsAt,
          patient: request.patient,
          externalId: '',
          idempotencyKey: request.idempotencyKey,
          enforceHours: true,
        });
        return { appointment: view(stored) };
      }),
    reschedule: (caller, request) =>
      run('reschedule', caller, request, (tenantId) => {
        const current = appointmentOf(tenantId, request.appointmentId);
        if (!ACTIVE.has(current.state)) throw failedPrecondition('appointment_not_active', 'The appointment is cancelled or finished and cannot change.');
        const clinician = clinicianOf(tenantId, request.clinicianId === '' ? current.clinicianId : request.clinicianId);
        const type = typeOf(tenantId, current.appointmentTypeId);
        const startsAt = instant('starts_at', request.startsAt);
        const endsAt = new Date(startsAt.getTime() + type.durationMinutes * MINUTE);
        if (!withinHours(tenantId, clinician, startsAt, type.durationMinutes)) throw failedPrecondition('outside_working_hours', "The time is outside the clinician's working hours.");
        if (overlaps(tenantId, clinician.id, startsAt, endsAt, current.id)) throw conflict('slot_taken', 'The clinician already has an appointment at that time.');
        Object.assign(current, { startsAt, endsAt, clinicianId: clinician.id, clinicId: clinician.clinicId, state: AppointmentState.APPOINTMENT_STATE_RESCHEDULED, confirmedAt: undefined, updatedAt: new Date() });
        return { appointment: view(current) };
      }),
    cancel: (caller, request) =>
      run('cancel', caller, request, (tenantId) => {
        const current = appointmentOf(tenantId, request.appointmentId);
        if (ACTIVE.has(current.state)) {
          current.state = request.byPatient ? AppointmentState.APPOINTMENT_STATE_CANCELLED_BY_PATIENT : AppointmentState.APPOINTMENT_STATE_CANCELLED_BY_STAFF;
          current.updatedAt = new Date();
        } else if (!CANCELLED.has(current.state)) {
          throw failedPrecondition('appointment_not_active', 'The appointment is cancelled or finished and cannot change.');
        }
        return { appointment: view(current) };
      }),
    getAppointment: (caller, request) => run('getAppointment', caller, request, (tenantId) => ({ appointment: view(appointmentOf(tenantId, request.appointmentId)) })),
    listAppointments: (caller, request) =>
      run('listAppointments', caller, request, (tenantId) => {
        const window = range(request.from, request.to, 31);
        const limit = request.limit === 0 ? 100 : Math.min(request.limit, 500);
        const found = [...appointments.values()]
          .filter(
            (a) =>
              a.tenantId === tenantId &&
              a.startsAt! >= window.from &&
              a.startsAt! < window.to &&
              (request.clinicId === '' || a.clinicId === request.clinicId) &&
              (request.clinicianId === '' || a.clinicianId === request.clinicianId),
          )
          .sort((a, b) => a.startsAt!.getTime() - b.startsAt!.getTime())
          .slice(0, limit);
        return { appointments: found.map(view) };
      }),
    markAttendance: (caller, request) =>
      run('markAttendance', caller, request, (tenantId) => {
        const current = appointmentOf(tenantId, request.appointmentId);
        if (CANCELLED.has(current.state)) throw failedPrecondition('appointment_not_active', 'The appointment is cancelled or finished and cannot change.');
        current.state = request.attended ? AppointmentState.APPOINTMENT_STATE_ATTENDED : AppointmentState.APPOINTMENT_STATE_NO_SHOW;
        current.updatedAt = new Date();
        return { appointment: view(current) };
      }),
    importAppointments: (caller, request) =>
      run('importAppointments', caller, request, (tenantId) => {
        if (request.appointments.length > 500) throw invalid('appointments', 'must be at most 500');
        const results: ImportResult[] = request.appointments.map((item) => {
          try {
            const existing = [...appointments.values()].find((a) => a.tenantId === tenantId && a.externalId === item.externalId && item.externalId !== '');
            if (existing === undefined) {
              const stored = create(tenantId, {
                clinicianId: item.clinicianId,
                typeId: item.appointmentTypeId,
                startsAt: item.startsAt,
                patient: item.patient,
                externalId: item.externalId,
                idempotencyKey: '',
                enforceHours: false,
                cancelled: item.cancelled,
              });
              return { externalId: item.externalId, appointmentId: stored.id, errorCode: '' };
            }
            if (ACTIVE.has(existing.state) && item.cancelled) existing.state = AppointmentState.APPOINTMENT_STATE_CANCELLED_BY_STAFF;
            return { externalId: item.externalId, appointmentId: existing.id, errorCode: '' };
          } catch (error) {
            if (!isDomainError(error)) throw error;
            return { externalId: item.externalId, appointmentId: '', errorCode: error.code };
          }
        });
        return { results };
      }),
    noShowStats: (caller, request) =>
      run('noShowStats', caller, request, (tenantId) => {
        const window = range(request.from, request.to, 366);
        const buckets = new Map<string, NoShowBucket>();
        for (const a of appointments.values()) {
          if (a.tenantId !== tenantId || a.startsAt! < window.from || a.startsAt! >= window.to) continue;
          if (request.clinicId !== '' && a.clinicId !== request.clinicId) continue;
          if (a.state !== AppointmentState.APPOINTMENT_STATE_ATTENDED && a.state !== AppointmentState.APPOINTMENT_STATE_NO_SHOW) continue;
          const day = a.startsAt!.toISOString().slice(0, 10);
          const confirmed = a.confirmedAt !== undefined;
          const id = `${a.clinicId}|${day}|none|${confirmed}`;
          const bucket = buckets.get(id) ?? { clinicId: a.clinicId, day, lastStage: 'none', confirmed, total: 0, noShows: 0 };
          bucket.total += 1;
          if (a.state === AppointmentState.APPOINTMENT_STATE_NO_SHOW) bucket.noShows += 1;
          buckets.set(id, bucket);
        }
        return { buckets: [...buckets.values()] };
      }),
    close: () => undefined,
  };

  return {
    client,
    calls,
    setAvailable: (value) => {
      available = value;
    },
    appointment: (tenantId, id) => {
      const stored = appointments.get(key(tenantId, id));
      return stored === undefined ? undefined : view(stored);
    },
  };
}
