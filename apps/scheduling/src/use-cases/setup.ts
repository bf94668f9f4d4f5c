// The hospital's calendar set-up (sites, clinics, clinicians, types, working hours), availability,
// the reminder policy and no-show figures. Set-up data is staff data, not patient data.
import { randomUUID } from 'node:crypto';
import {
  type GetReminderPolicyResponse,
  type ListAppointmentTypesResponse,
  type ListClinicsRequest,
  type ListClinicsResponse,
  type ListCliniciansRequest,
  type ListCliniciansResponse,
  type ListSitesResponse,
  type NoShowStatsRequest,
  type NoShowStatsResponse,
  type SearchAvailabilityRequest,
  type SearchAvailabilityResponse,
  type SetReminderPolicyRequest,
  type SetWorkingHoursRequest,
  type UpsertAppointmentTypeRequest,
  type UpsertAppointmentTypeResponse,
  type UpsertClinicRequest,
  type UpsertClinicResponse,
  type UpsertClinicianRequest,
  type UpsertClinicianResponse,
  type UpsertSiteRequest,
  type UpsertSiteResponse,
} from '@careline/contracts';
import { type Queryable, withTenant } from '@careline/db';
import { busyTimes } from '../db/appointments';
import {
  findAppointmentType,
  findClinic,
  findClinicians,
  findSite,
  listAppointmentTypes,
  listClinicians,
  listClinics,
  listSites,
  loadWorkingTimes,
  replaceWorkingTimes,
  upsertAppointmentType,
  upsertClinic,
  upsertClinician,
  upsertSite,
} from '../db/calendar';
import { setPolicyJson } from '../db/reminders';
import { noShowBuckets } from '../db/stats';
import { entityNotFound, invalidRequest } from '../domain/errors';
import { reminderPolicySchema } from '../domain/policy';
import { type ClinicianCalendar, type FreeSlot, freeSlots } from '../domain/slots';
import { modeFromProto, modeToProto } from '../domain/states';
import { formatHhMm, isTimeZone, parseHhMm } from '../domain/time';
import { AUDIT_ACTIONS, recordAudit } from './audit';
import { type Authorize } from './authorize';
import { type TenantCaller } from './caller';
import { type UseCaseDeps } from './deps';
import { loadPolicy } from './plan';
import { limit, optionalUuid, range, uuid } from './validate';
import { policyToProto } from './views';

function name(field: string, value: string): string {
  const trimmed = value.trim();
  if (trimmed.length < 1 || trimmed.length > 200) throw invalidRequest(field, 'must be 1 to 200 characters');
  return trimmed;
}

function idOrNew(field: string, value: string): string {
  return optionalUuid(field, value) ?? randomUUID();
}

function hhMm(field: string, value: string): string {
  const minutes = parseHhMm(value);
  if (minutes === undefined) throw invalidRequest(field, 'must be HH:MM');
  return formatHhMm(minutes);
}

/** Free slots for the clinicians given, from the later of `from` and now (reads only). */
export async function searchSlots(
  client: Queryable,
  tenantId: string,
  query: { typeId: string; clinicId?: string; clinicianIds?: string[]; from: Date; to: Date; limit: number },
): Promise<FreeSlot[]> {
  const type = await findAppointmentType(client, tenantId, query.typeId);
  if (type === undefined) throw entityNotFound('appointment_type');
  const clinicians = await findClinicians(client, tenantId, {
    ...(query.clinicId === undefined ? {} : { clinicId: query.clinicId }),
    ...(query.clinicianIds === undefined ? {} : { clinicianIds: query.clinicianIds }),
  });
  if (clinicians.length === 0) return [];
  const ids = clinicians.map((c) => c.id);
  const times = await loadWorkingTimes(client, tenantId, ids);
  const busy = await busyTimes(client, tenantId, ids, query.from, query.to);
  const calendars: ClinicianCalendar[] = clinicians.map((clinician) => ({
    clinicianId: clinician.id,
    clinicId: clinician.clinic_id,
    timeZone: clinician.time_zone,
    weekly: times.hours
      .filter((h) => h.clinician_id === clinician.id)
      .map((h) => ({ weekday: h.weekday, startMinutes: h.start_min, endMinutes: h.end_min })),
    exceptions: times.exceptions
      .filter((e) => e.clinician_id === clinician.id)
      .map((e) => ({
        date: e.day,
        ...(e.start_min === null || e.end_min === null ? {} : { hours: { startMinutes: e.start_min, endMinutes: e.end_min } }),
      })),
    busy: busy.filter((b) => b.clinician_id === clinician.id).map((b) => ({ startsAt: b.starts_at, endsAt: b.ends_at })),
  }));
  return freeSlots(calendars, { from: query.from, to: query.to, durationMinutes: type.duration_minutes, limit: query.limit });
}

export function createSetupUseCases(deps: UseCaseDeps, authorize: Authorize) {
  const { pool, clock } = deps;

  async function configured<T>(
    caller: TenantCaller,
    resource: { type: string; id: string },
    work: (client: Queryable, now: Date) => Promise<T>,
    permission: 'scheduling:configure' | 'tenant:admin' = 'scheduling:configure',
  ): Promise<T> {
    await authorize(caller, permission, AUDIT_ACTIONS.configure);
    return withTenant(pool, caller.tenantId, async (client) => {
      const now = clock();
      const result = await work(client, now);
      await recordAudit(client, caller.tenantId, { caller }, { action: AUDIT_ACTIONS.configure, resource, outcome: 'success', at: now });
      return result;
    });
  }

  return {
    async upsertSite(caller: TenantCaller, request: UpsertSiteRequest): Promise<UpsertSiteResponse> {
      const site = request.site;
      if (site === undefined) throw invalidRequest('site', 'is required');
      if (!isTimeZone(site.timeZone) || site.timeZone === '') throw invalidRequest('site.time_zone', 'must be an IANA time zone');
      const row = { id: idOrNew('site.id', site.id), name: name('site.name', site.name), time_zone: site.timeZone };
      await configured(caller, { type: 'site', id: row.id }, (client, now) => upsertSite(client, caller.tenantId, row, now));
      return { site: { id: row.id, name: row.name, timeZone: row.time_zone } };
    },

    async upsertClinic(caller: TenantCaller, request: UpsertClinicRequest): Promise<UpsertClinicResponse> {
      const clinic = request.clinic;
      if (clinic === undefined) throw invalidRequest('clinic', 'is required');
      const row = { id: idOrNew('clinic.id', clinic.id), site_id: uuid('clinic.site_id', clinic.siteId), name: name('clinic.name', clinic.name) };
      await configured(caller, { type: 'clinic', id: row.id }, async (client, now) => {
        if ((await findSite(client, caller.tenantId, row.site_id)) === undefined) throw entityNotFound('site');
        await upsertClinic(client, caller.tenantId, row, now);
      });
      return { clinic: { id: row.id, siteId: row.site_id, name: row.name } };
    },

    async upsertClinician(caller: TenantCaller, request: UpsertClinicianRequest): Promise<UpsertClinicianResponse> {
      const clinician = request.clinician;
      if (clinician === undefined) throw invalidRequest('clinician', 'is required');
      const row = {
        id: idOrNew('clinician.id', clinician.id),
        clinic_id: uuid('clinician.clinic_id', clinician.clinicId),
        display_name: name('clinician.display_name', clinician.displayName),
      };
      await configured(caller, { type: 'clinician', id: row.id }, async (client, now) => {
        if ((await findClinic(client, caller.tenantId, row.clinic_id)) === undefined) throw entityNotFound('clinic');
        await upsertClinician(client, caller.tenantId, row, now);
      });
      return { clinician: { id: row.id, clinicId: row.clinic_id, displayName: row.display_name } };
    },

    async upsertAppointmentType(caller: TenantCaller, request: UpsertAppointmentTypeRequest): Promise<UpsertAppointmentTypeResponse> {
      const type = request.appointmentType;
      if (type === undefined) throw invalidRequest('appointment_type', 'is required');
      if (!Number.isInteger(type.durationMinutes) || type.durationMinutes < 5 || type.durationMinutes > 480) {
        throw invalidRequest('appointment_type.duration_minutes', 'must be 5 to 480');
      }
      const row = { id: idOrNew('appointment_type.id', type.id), name: name('appointment_type.name', type.name), mode: modeFromProto(type.mode), duration_minutes: type.durationMinutes };
      await configured(caller, { type: 'appointment_type', id: row.id }, (client, now) => upsertAppointmentType(client, caller.tenantId, row, now));
      return { appointmentType: { id: row.id, name: row.name, mode: modeToProto(row.mode), durationMinutes: row.duration_minutes } };
    },

    async setWorkingHours(caller: TenantCaller, request: SetWorkingHoursRequest): Promise<Record<string, never>> {
      const clinicianId = uuid('clinician_id', request.clinicianId);
      const hours = request.hours.map((h, i) => {
        if (!Number.isInteger(h.weekday) || h.weekday < 1 || h.weekday > 7) throw invalidRequest(`hours[${i}].weekday`, 'must be 1 to 7');
        const start = hhMm(`hours[${i}].start_time`, h.startTime);
        const end = hhMm(`hours[${i}].end_time`, h.endTime);
        if (end <= start) throw invalidRequest(`hours[${i}].end_time`, 'must be after start_time');
        return { weekday: h.weekday, start, end };
      });
      const exceptions = request.exceptions.map((e, i) => {
        if (!/^\d{4}-\d{2}-\d{2}$/.test(e.date)) throw invalidRequest(`exceptions[${i}].date`, 'must be YYYY-MM-DD');
        if (e.startTime === '' && e.endTime === '') return { date: e.date, start: null, end: null };
        const start = hhMm(`exceptions[${i}].start_time`, e.startTime);
        const end = hhMm(`exceptions[${i}].end_time`, e.endTime);
        if (end <= start) throw invalidRequest(`exceptions[${i}].end_time`, 'must be after start_time');
        return { date: e.date, start, end };
      });
      await configured(caller, { type: 'clinician', id: clinicianId }, async (client) => {
        if ((await findClinicians(client, caller.tenantId, { clinicianIds: [clinicianId] })).length === 0) throw entityNotFound('clinician');
        await replaceWorkingTimes(client, caller.tenantId, clinicianId, hours, exceptions);
      });
      return {};
    },

    // The set-up read back, so staff pick sites, clinics, clinicians and types by name. Anyone who
    // may read appointments needs the names to book; staff data only, so (like availability) not
    // audited on success. Forced RLS and the tenant predicate keep other hospitals' rows out.
    async listSites(caller: TenantCaller): Promise<ListSitesResponse> {
      await authorize(caller, 'appointments:read', AUDIT_ACTIONS.calendarRead);
      const rows = await withTenant(pool, caller.tenantId, (client) => listSites(client, caller.tenantId));
      return { sites: rows.map((row) => ({ id: row.id, name: row.name, timeZone: row.time_zone })) };
    },

    async listClinics(caller: TenantCaller, request: ListClinicsRequest): Promise<ListClinicsResponse> {
      await authorize(caller, 'appointments:read', AUDIT_ACTIONS.calendarRead);
      const siteId = optionalUuid('site_id', request.siteId);
      const rows = await withTenant(pool, caller.tenantId, (client) => listClinics(client, caller.tenantId, siteId === undefined ? {} : { siteId }));
      return { clinics: rows.map((row) => ({ id: row.id, siteId: row.site_id, name: row.name })) };
    },

    async listClinicians(caller: TenantCaller, request: ListCliniciansRequest): Promise<ListCliniciansResponse> {
      await authorize(caller, 'appointments:read', AUDIT_ACTIONS.calendarRead);
      const clinicId = optionalUuid('clinic_id', request.clinicId);
      const rows = await withTenant(pool, caller.tenantId, (client) =>
        listClinicians(client, caller.tenantId, clinicId === undefined ? {} : { clinicId }),
      );
      return { clinicians: rows.map((row) => ({ id: row.id, clinicId: row.clinic_id, displayName: row.display_name })) };
    },

    async listAppointmentTypes(caller: TenantCaller): Promise<ListAppointmentTypesResponse> {
      await authorize(caller, 'appointments:read', AUDIT_ACTIONS.calendarRead);
      const rows = await withTenant(pool, caller.tenantId, (client) => listAppointmentTypes(client, caller.tenantId));
      return {
        appointmentTypes: rows.map((row) => ({ id: row.id, name: row.name, mode: modeToProto(row.mode), durationMinutes: row.duration_minutes })),
      };
    },

    async searchAvailability(caller: TenantCaller, request: SearchAvailabilityRequest): Promise<SearchAvailabilityResponse> {
      await authorize(caller, 'appointments:read', AUDIT_ACTIONS.availability);
      const typeId = uuid('appointment_type_id', request.appointmentTypeId);
      const clinicId = optionalUuid('clinic_id', request.clinicId);
      const clinicianId = optionalUuid('clinician_id', request.clinicianId);
      if (clinicId === undefined && clinicianId === undefined) throw invalidRequest('clinic_id', 'or clinician_id is required');
      const window = range(request.from, request.to, 31);
      const now = clock();
      const from = window.from.getTime() < now.getTime() ? now : window.from;
      const slots = await withTenant(pool, caller.tenantId, (client) =>
        searchSlots(client, caller.tenantId, {
          typeId,
          ...(clinicId === undefined ? {} : { clinicId }),
          ...(clinicianId === undefined ? {} : { clinicianIds: [clinicianId] }),
          from,
          to: window.to,
          limit: limit(request.limit, 20, 200),
        }),
      );
      return { slots: slots.map((slot) => ({ clinicianId: slot.clinicianId, clinicId: slot.clinicId, startsAt: slot.startsAt, endsAt: slot.endsAt })) };
    },

    // The reminder policy is the hospital's configuration: its admin (or the platform operator
    // onboarding it) reads and sets it, like numbers, teams and staff.
    async getReminderPolicy(caller: TenantCaller): Promise<GetReminderPolicyResponse> {
      await authorize(caller, 'tenant:admin', AUDIT_ACTIONS.configure);
      const policy = await withTenant(pool, caller.tenantId, (client) => loadPolicy(client, caller.tenantId));
      return { policy: policyToProto(policy) };
    },

    async setReminderPolicy(caller: TenantCaller, request: SetReminderPolicyRequest): Promise<GetReminderPolicyResponse> {
      if (request.policy === undefined) throw invalidRequest('policy', 'is required');
      const parsed = reminderPolicySchema.safeParse(request.policy);
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        throw invalidRequest(`policy.${issue?.path.join('.') ?? ''}`, issue?.message ?? 'is invalid');
      }
      await configured(
        caller,
        { type: 'reminder_policy', id: caller.tenantId },
        (client, now) => setPolicyJson(client, caller.tenantId, parsed.data, now),
        'tenant:admin',
      );
      return { policy: policyToProto(parsed.data) };
    },

    async noShowStats(caller: TenantCaller, request: NoShowStatsRequest): Promise<NoShowStatsResponse> {
      await authorize(caller, 'appointments:read', AUDIT_ACTIONS.stats);
      const window = range(request.from, request.to, 366);
      const clinicId = optionalUuid('clinic_id', request.clinicId);
      const rows = await withTenant(pool, caller.tenantId, async (client) => {
        const buckets = await noShowBuckets(client, caller.tenantId, { ...window, ...(clinicId === undefined ? {} : { clinicId }) });
        await recordAudit(client, caller.tenantId, { caller }, { action: AUDIT_ACTIONS.stats, resource: { type: 'clinic', id: clinicId ?? '' }, outcome: 'success', at: clock() });
        return buckets;
      });
      return {
        buckets: rows.map((row) => ({
          clinicId: row.clinic_id,
          day: row.day,
          lastStage: row.last_stage,
          confirmed: row.confirmed,
          total: row.total,
          noShows: row.no_shows,
        })),
      };
    },
  };
}

export type SetupUseCases = ReturnType<typeof createSetupUseCases>;
