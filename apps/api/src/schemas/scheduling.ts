// Appointments and the calendar set-up as the REST api shows them (scheduling's SchedulingService),
// and how they are made from its protobuf messages. Request bodies are strict (an unknown field, a
// `tenantId` above all, is a 400). Times in requests are RFC 3339 WITH an offset (`Z` or `+01:00`):
// a local time without one is ambiguous across the sites' zones, so it is refused rather than
// guessed. Responses carry patient data (the WhatsApp number, the greeting name): never log them.
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
  type Site,
  type Slot,
} from '@careline/contracts';
import { z } from 'zod';
import { dateTime, isoOrNull, nullIfEmpty } from './common';

// ---------------------------------------------------------------- building blocks

const UUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

/** scheduling's ids are UUIDs; anything else is refused here, naming the field. */
export const uuid = () =>
  z
    .string()
    .regex(UUID, { message: 'must be a UUID' })
    .transform((value) => value.toLowerCase())
    .meta({ format: 'uuid' });

/** An instant in a request: RFC 3339 with `Z` or a numeric offset, parsed to a Date. */
export const instant = () =>
  z.iso
    .datetime({ offset: true, message: 'must be an RFC 3339 date-time with an offset (e.g. 2025-03-04T09:15:00+01:00)' })
    .transform((value) => new Date(value))
    .meta({ examples: ['2025-03-04T09:15:00+01:00'] });

const hhMm = () =>
  z.string().regex(/^(?:[01][0-9]|2[0-3]):[0-5][0-9]$/, { message: 'must be HH:MM (24-hour)' }).meta({ examples: ['08:30'] });

const name = (description: string) =>
  z
    .string()
    .max(200)
    .refine((value) => value.trim().length > 0, { message: 'must not be blank' })
    .meta({ description });

/** An IANA zone the runtime knows (scheduling checks the same way). */
export function isTimeZone(value: string): boolean {
  if (value === '' || value.length > 64) return false;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: value });
    return true;
  } catch {
    return false;
  }
}

export const idParamsSchema = (what: string) => z.object({ id: uuid().meta({ description: `The ${what} id (UUID).` }) });

// ---------------------------------------------------------------- set-up

export const siteBodySchema = z
  .strictObject({
    name: name('Name of the building.'),
    timeZone: z
      .string()
      .refine(isTimeZone, { message: 'must be an IANA time zone like Europe/Madrid' })
      .meta({ description: 'IANA time zone: working hours, quiet hours and report days are local to it.', examples: ['America/Argentina/Buenos_Aires'] }),
  })
  .meta({ id: 'SiteFields' });

export const siteSchema = z
  .object({ id: z.string(), name: z.string(), timeZone: z.string() })
  .meta({ id: 'Site', description: 'A hospital building with its time zone.' });

export function toSiteView(site: Site): z.input<typeof siteSchema> {
  return { id: site.id, name: site.name, timeZone: site.timeZone };
}

export const clinicBodySchema = z
  .strictObject({ siteId: uuid().meta({ description: 'The site.' }), name: name('Name, shown to patients in reminders.') })
  .meta({ id: 'ClinicFields' });

export const clinicSchema = z
  .object({ id: z.string(), siteId: z.string(), name: z.string() })
  .meta({ id: 'Clinic', description: 'A department at a site.' });

export function toClinicView(clinic: Clinic): z.input<typeof clinicSchema> {
  return { id: clinic.id, siteId: clinic.siteId, name: clinic.name };
}

export const clinicianBodySchema = z
  .strictObject({
    clinicId: uuid().meta({ description: 'The clinic they see patients at.' }),
    displayName: name('Shown to patients in reminders (staff data).'),
  })
  .meta({ id: 'ClinicianFields' });

export const clinicianSchema = z
  .object({ id: z.string(), clinicId: z.string(), displayName: z.string() })
  .meta({ id: 'Clinician', description: 'A member of staff who sees patients at one clinic.' });

export function toClinicianView(clinician: Clinician): z.input<typeof clinicianSchema> {
  return { id: clinician.id, clinicId: clinician.clinicId, displayName: clinician.displayName };
}

const MODES = ['in_person', 'video'] as const;
export type ModeView = (typeof MODES)[number];

export function modeToProto(mode: ModeView): AppointmentMode {
  return mode === 'video' ? AppointmentMode.APPOINTMENT_MODE_VIDEO : AppointmentMode.APPOINTMENT_MODE_IN_PERSON;
}

function modeView(mode: AppointmentMode): ModeView {
  return mode === AppointmentMode.APPOINTMENT_MODE_VIDEO ? 'video' : 'in_person';
}

export const appointmentTypeBodySchema = z
  .strictObject({
    name: name('e.g. "Follow-up".'),
    mode: z.enum(MODES).meta({ description: 'In person, or a video visit (its reminders carry the join link).' }),
    durationMinutes: z.number().int().min(5).max(480).meta({ description: 'Length of one appointment (5-480); it cuts the free slots.' }),
  })
  .meta({ id: 'AppointmentTypeFields' });

export const appointmentTypeSchema = z
  .object({ id: z.string(), name: z.string(), mode: z.enum(MODES), durationMinutes: z.number().int() })
  .meta({ id: 'AppointmentType', description: 'A kind of visit.' });

export function toAppointmentTypeView(type: AppointmentType): z.input<typeof appointmentTypeSchema> {
  return { id: type.id, name: type.name, mode: modeView(type.mode), durationMinutes: type.durationMinutes };
}

const workingHoursSchema = z
  .strictObject({
    weekday: z.number().int().min(1).max(7).meta({ description: 'ISO weekday: 1 Monday … 7 Sunday.' }),
    start: hhMm().meta({ description: "Start, the site's local time." }),
    end: hhMm().meta({ description: 'End, after start.' }),
  })
  .refine((hours) => hours.end > hours.start, { message: 'end must be after start', path: ['end'] });

const workingExceptionSchema = z
  .strictObject({
    date: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, { message: 'must be a date YYYY-MM-DD' }).meta({ description: "A local date at the clinician's site." }),
    start: hhMm().optional().meta({ description: 'Other hours that day; omit start and end for a day off.' }),
    end: hhMm().optional(),
  })
  .refine((e) => (e.start === undefined) === (e.end === undefined), { message: 'give both start and end, or neither (a day off)', path: ['end'] })
  .refine((e) => e.start === undefined || e.end === undefined || e.end > e.start, { message: 'end must be after start', path: ['end'] });

export const workingHoursBodySchema = z
  .strictObject({
    hours: z.array(workingHoursSchema).max(70).meta({ description: 'Weekly intervals (several per day allowed).' }),
    exceptions: z.array(workingExceptionSchema).max(400).default([]).meta({ description: 'Dates that differ from the week.' }),
  })
  .meta({ id: 'WorkingWeek', description: "A clinician's whole week, replaced at once (site-local times)." });

export const workingHoursViewSchema = z
  .object({
    clinicianId: z.string(),
    hours: z.array(z.object({ weekday: z.number().int(), start: z.string(), end: z.string() })),
    exceptions: z.array(z.object({ date: z.string(), start: z.string().nullable(), end: z.string().nullable() })),
  })
  .meta({ id: 'WorkingHours', description: 'The hours as stored.' });

// ---------------------------------------------------------------- set-up lists (by name)

export const siteListSchema = z.object({ items: z.array(siteSchema) }).meta({ id: 'SiteList', description: "The hospital's sites, by name." });

export const clinicListQuerySchema = z.object({ siteId: uuid().optional().meta({ description: 'Only the clinics of this site.' }) });

export const clinicListSchema = z.object({ items: z.array(clinicSchema) }).meta({ id: 'ClinicList', description: "The hospital's clinics, by name." });

export const clinicianListQuerySchema = z.object({ clinicId: uuid().optional().meta({ description: 'Only the clinicians of this clinic.' }) });

export const clinicianListSchema = z
  .object({ items: z.array(clinicianSchema) })
  .meta({ id: 'ClinicianList', description: "The hospital's clinicians, by display name." });

export const appointmentTypeListSchema = z
  .object({ items: z.array(appointmentTypeSchema) })
  .meta({ id: 'AppointmentTypeList', description: "The hospital's appointment types, by name." });

// ---------------------------------------------------------------- availability

export const availabilityQuerySchema = z
  .object({
    appointmentTypeId: uuid().meta({ description: 'The type: its duration cuts the slots.' }),
    clinicId: uuid().optional().meta({ description: "A clinic (all its clinicians)…" }),
    clinicianId: uuid().optional().meta({ description: '…or one clinician; at least one of the two.' }),
    from: instant().meta({ description: 'Range start (slots before now are never offered).' }),
    to: instant().meta({ description: 'Range end, at most 31 days after `from`.' }),
    limit: z.coerce.number().int().min(1).max(200).default(20).meta({ description: 'At most this many slots (1-200, default 20).' }),
  })
  .superRefine((query, ctx) => {
    if (query.clinicId === undefined && query.clinicianId === undefined) {
      ctx.addIssue({ code: 'custom', path: ['clinicId'], message: 'give clinicId or clinicianId' });
    }
    rangeIssues(query.from, query.to, 31, ctx);
  });

function rangeIssues(from: unknown, to: unknown, maxDays: number, ctx: z.RefinementCtx): void {
  // zod may run this while another field failed: only two parsed instants are compared
  if (!(from instanceof Date) || !(to instanceof Date)) return;
  if (to.getTime() <= from.getTime()) ctx.addIssue({ code: 'custom', path: ['to'], message: 'must be after from' });
  else if (to.getTime() - from.getTime() > maxDays * 86_400_000) ctx.addIssue({ code: 'custom', path: ['to'], message: `must be at most ${maxDays} days after from` });
}

export const slotSchema = z
  .object({ clinicianId: z.string(), clinicId: z.string(), startsAt: dateTime(), endsAt: dateTime() })
  .meta({ id: 'Slot', description: 'A free time of one clinician.' });

export const slotListSchema = z.object({ items: z.array(slotSchema) }).meta({ id: 'SlotList', description: 'Free slots, earliest first.' });

export function toSlotView(slot: Slot): z.input<typeof slotSchema> {
  return {
    clinicianId: slot.clinicianId,
    clinicId: slot.clinicId,
    startsAt: (slot.startsAt ?? new Date(0)).toISOString(),
    endsAt: (slot.endsAt ?? new Date(0)).toISOString(),
  };
}

// ---------------------------------------------------------------- appointments

const STATUSES = ['booked', 'confirmed', 'rescheduled', 'cancelled_by_patient', 'cancelled_by_staff', 'attended', 'no_show', 'unknown'] as const;
type StatusView = (typeof STATUSES)[number];

function statusView(state: AppointmentState): StatusView {
  switch (state) {
    case AppointmentState.APPOINTMENT_STATE_BOOKED:
      return 'booked';
    case AppointmentState.APPOINTMENT_STATE_CONFIRMED:
      return 'confirmed';
    case AppointmentState.APPOINTMENT_STATE_RESCHEDULED:
      return 'rescheduled';
    case AppointmentState.APPOINTMENT_STATE_CANCELLED_BY_PATIENT:
      return 'cancelled_by_patient';
    case AppointmentState.APPOINTMENT_STATE_CANCELLED_BY_STAFF:
      return 'cancelled_by_staff';
    case AppointmentState.APPOINTMENT_STATE_ATTENDED:
      return 'attended';
    case AppointmentState.APPOINTMENT_STATE_NO_SHOW:
      return 'no_show';
    case AppointmentState.APPOINTMENT_STATE_UNSPECIFIED:
    case AppointmentState.UNRECOGNIZED:
      return 'unknown';
  }
}

// scheduling's own rules (apps/scheduling/src/use-cases/validate.ts), so most mistakes are a 400 here
const patientInputSchema = z
  .strictObject({
    patientId: uuid().optional().meta({ description: "The Careline patient (records), when known." }),
    waId: z
      .string()
      .regex(/^[1-9][0-9]{6,14}$/, { message: 'must be an international number, digits only (country code first, no "+")' })
      .meta({ description: 'WhatsApp number: reminders go there. E.g. the number of the patient who wrote to the hospital.' }),
    languageCode: z
      .string()
      .regex(/^[a-z]{2,3}(_[A-Z]{2})?$/, { message: 'must be a language code like es or en_US' })
      .optional()
      .meta({ description: "Template language; default: the reminder policy's." }),
    displayName: z.string().max(200).optional().meta({ description: 'The name reminders greet the patient with.' }),
    phoneNumberId: z
      .string()
      .regex(/^[0-9]{1,32}$/, { message: 'must be digits' })
      .optional()
      .meta({ description: "The hospital number to send from (Meta's phone_number_id); default: the hospital's." }),
  })
  .meta({ id: 'AppointmentPatient' });
export type PatientInput = z.output<typeof patientInputSchema>;

export function patientToProto(patient: PatientInput): PatientRef {
  return {
    patientId: patient.patientId ?? '',
    waId: patient.waId,
    languageCode: patient.languageCode ?? '',
    displayName: patient.displayName ?? '',
    phoneNumberId: patient.phoneNumberId ?? '',
  };
}

export const bookBodySchema = z
  .strictObject({
    clinicianId: uuid().meta({ description: "The clinician (their clinic is the appointment's)." }),
    appointmentTypeId: uuid(),
    startsAt: instant().meta({ description: "Start; the end is start + the type's duration. Must fall in the clinician's working hours." }),
    patient: patientInputSchema,
    idempotencyKey: z
      .string()
      .min(1)
      .max(128)
      .regex(/^[\x21-\x7e]+$/, { message: 'must be 1-128 visible ASCII characters' })
      .optional()
      .meta({ description: 'Or the `Idempotency-Key` header: a repeated request with the same key returns the first booking.' }),
  })
  .meta({ id: 'BookAppointment' });

export const rescheduleBodySchema = z
  .strictObject({
    startsAt: instant().meta({ description: 'The new start.' }),
    clinicianId: uuid().optional().meta({ description: 'Another clinician; default: the same.' }),
  })
  .meta({ id: 'RescheduleAppointment' });

export const cancelBodySchema = z
  .strictObject({
    cancelledBy: z
      .enum(['staff', 'patient'])
      .default('staff')
      .meta({ description: '`patient` when the patient asked (e.g. on the phone); default `staff` (the hospital cancelled).' }),
  })
  .meta({ id: 'CancelAppointment' });

export const attendanceBodySchema = z
  .strictObject({ outcome: z.enum(['attended', 'no_show']).meta({ description: 'Whether the patient came (or joined the video visit).' }) })
  .meta({ id: 'AppointmentAttendance' });

export const appointmentSchema = z
  .object({
    id: z.string(),
    clinicId: z.string(),
    clinicianId: z.string(),
    appointmentTypeId: z.string(),
    mode: z.enum(MODES),
    startsAt: dateTime(),
    endsAt: dateTime(),
    status: z.enum(STATUSES).meta({ description: 'booked → confirmed (the patient tapped Confirm) / rescheduled → attended or no_show; or cancelled_by_patient / cancelled_by_staff.' }),
    patient: z.object({
      patientId: z.string().nullable(),
      waId: z.string().meta({ description: 'Patient data: never log it.' }),
      languageCode: z.string().nullable(),
      displayName: z.string().nullable(),
      phoneNumberId: z.string().nullable(),
    }),
    patientWaIdHash: z.string().meta({ description: 'Keyed hash of the number, as on the event topics and in the audit log.' }),
    externalId: z.string().nullable().meta({ description: "The EHR's id of an imported appointment." }),
    confirmedAt: dateTime().nullable(),
    videoLink: z.string().nullable().meta({ description: 'Join link of a video visit.' }),
    createdAt: dateTime(),
    updatedAt: dateTime(),
  })
  .meta({ id: 'Appointment', description: 'One booked visit (contains patient data).' });
export type AppointmentView = z.input<typeof appointmentSchema>;

export function toAppointmentView(appointment: Appointment): AppointmentView {
  const patient = appointment.patient;
  const iso = (value: Date | undefined) => (value ?? new Date(0)).toISOString();
  return {
    id: appointment.id,
    clinicId: appointment.clinicId,
    clinicianId: appointment.clinicianId,
    appointmentTypeId: appointment.appointmentTypeId,
    mode: modeView(appointment.mode),
    startsAt: iso(appointment.startsAt),
    endsAt: iso(appointment.endsAt),
    status: statusView(appointment.state),
    patient: {
      patientId: nullIfEmpty(patient?.patientId ?? ''),
      waId: patient?.waId ?? '',
      languageCode: nullIfEmpty(patient?.languageCode ?? ''),
      displayName: nullIfEmpty(patient?.displayName ?? ''),
      phoneNumberId: nullIfEmpty(patient?.phoneNumberId ?? ''),
    },
    patientWaIdHash: appointment.patientWaIdHash,
    externalId: nullIfEmpty(appointment.externalId),
    confirmedAt: isoOrNull(appointment.confirmedAt),
    videoLink: nullIfEmpty(appointment.videoLink),
    createdAt: iso(appointment.createdAt),
    updatedAt: iso(appointment.updatedAt ?? appointment.createdAt),
  };
}

export const appointmentListQuerySchema = z
  .object({
    from: instant().meta({ description: 'By start, inclusive.' }),
    to: instant().meta({ description: 'By start, exclusive; at most 31 days after `from` (a day or a week view).' }),
    clinicId: uuid().optional(),
    clinicianId: uuid().optional(),
    limit: z.coerce.number().int().min(1).max(500).default(100).meta({ description: 'At most this many (1-500, default 100).' }),
  })
  .superRefine((query, ctx) => rangeIssues(query.from, query.to, 31, ctx));

export const appointmentListSchema = z
  .object({
    items: z.array(appointmentSchema),
    limitReached: z.boolean().meta({ description: 'True when `limit` appointments came back: narrow the range or raise the limit to see the rest.' }),
  })
  .meta({ id: 'AppointmentList', description: 'Appointments, earliest first.' });

// ---------------------------------------------------------------- import

export const MAX_IMPORT = 500;

export const importBodySchema = z
  .strictObject({
    appointments: z
      .array(
        z.strictObject({
          externalId: z.string().min(1).max(200).meta({ description: "The EHR's id: a repeated import updates the same appointment." }),
          clinicianId: uuid(),
          appointmentTypeId: uuid(),
          startsAt: instant(),
          patient: patientInputSchema,
          cancelled: z.boolean().default(false).meta({ description: 'True: the EHR cancelled it.' }),
        }),
      )
      .min(1)
      .max(MAX_IMPORT),
  })
  .meta({ id: 'ImportAppointments', description: `A batch of at most ${MAX_IMPORT} appointments from the hospital's EHR (working hours are the EHR's business: not enforced).` });

export const importResultSchema = z
  .object({
    results: z.array(
      z.object({
        externalId: z.string(),
        appointmentId: z.string().nullable().meta({ description: 'null when this item failed.' }),
        errorCode: z.string().nullable().meta({ description: 'null on success, else a stable code (`slot_taken`, `clinician_not_found`, `invalid_request`, …).' }),
      }),
    ),
  })
  .meta({ id: 'ImportAppointmentsResult', description: 'One result per item, in request order.' });

export function toImportResultView(result: ImportResult) {
  return { externalId: result.externalId, appointmentId: nullIfEmpty(result.appointmentId), errorCode: nullIfEmpty(result.errorCode) };
}

// ---------------------------------------------------------------- no-show report

const GROUPS = ['clinic', 'day', 'stage', 'confirmation'] as const;
export type NoShowGroup = (typeof GROUPS)[number];

export const noShowQuerySchema = z
  .object({
    from: instant().meta({ description: 'Appointments that started from here (inclusive).' }),
    to: instant().meta({ description: 'Up to here (exclusive), at most 366 days after `from`.' }),
    clinicId: uuid().optional().meta({ description: 'One clinic; default all.' }),
    groupBy: z
      .enum(GROUPS)
      .default('clinic')
      .meta({
        description:
          "`clinic`, `day` (the site's local date), `stage` (the last reminder stage sent before the start, `none` if none) or `confirmation` (`confirmed` / `unconfirmed`).",
      }),
  })
  .superRefine((query, ctx) => rangeIssues(query.from, query.to, 366, ctx));

const rateSchema = z.number().min(0).max(1).nullable().meta({ description: 'noShows / total; null when total is 0.' });

export const noShowReportSchema = z
  .object({
    groupBy: z.enum(GROUPS),
    total: z.number().int().meta({ description: 'Finished appointments (attended or no-show) in the range.' }),
    noShows: z.number().int(),
    rate: rateSchema,
    items: z.array(z.object({ key: z.string(), total: z.number().int(), noShows: z.number().int(), rate: rateSchema })),
  })
  .meta({ id: 'NoShowReport', description: 'No-show rates, grouped; keys sorted.' });

function rate(noShows: number, total: number): number | null {
  return total === 0 ? null : noShows / total;
}

function keyOf(bucket: NoShowBucket, groupBy: NoShowGroup): string {
  switch (groupBy) {
    case 'clinic':
      return bucket.clinicId;
    case 'day':
      return bucket.day;
    case 'stage':
      return bucket.lastStage === '' ? 'none' : bucket.lastStage;
    case 'confirmation':
      return bucket.confirmed ? 'confirmed' : 'unconfirmed';
  }
}

/** scheduling's finest buckets (clinic × day × stage × confirmed) summed along one dimension. */
export function toNoShowReport(buckets: readonly NoShowBucket[], groupBy: NoShowGroup): z.input<typeof noShowReportSchema> {
  const groups = new Map<string, { total: number; noShows: number }>();
  let total = 0;
  let noShows = 0;
  for (const bucket of buckets) {
    const key = keyOf(bucket, groupBy);
    const group = groups.get(key) ?? { total: 0, noShows: 0 };
    group.total += bucket.total;
    group.noShows += bucket.noShows;
    groups.set(key, group);
    total += bucket.total;
    noShows += bucket.noShows;
  }
  const items = [...groups.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([key, group]) => ({ key, total: group.total, noShows: group.noShows, rate: rate(group.noShows, group.total) }));
  return { groupBy, total, noShows, rate: rate(noShows, total), items };
}
