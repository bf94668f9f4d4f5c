// Appointments over REST (SchedulingService): book, list (a console's day or week view), read,
// reschedule, cancel, attendance, and the integrators' batch import. Every call is a read or a
// change of patient data that scheduling audits (one event per call, naming the appointment and
// the patient's number hash). Another tenant's appointment answers 404 like an unknown one.
import type { Router } from '../http/router';
import { idempotencyHeadersSchema } from '../schemas/records';
import {
  appointmentListQuerySchema,
  appointmentListSchema,
  appointmentSchema,
  attendanceBodySchema,
  bookBodySchema,
  cancelBodySchema,
  idParamsSchema,
  importBodySchema,
  importResultSchema,
  rescheduleBodySchema,
} from '../schemas/scheduling';
import type { SchedulingUseCases } from '../use-cases/scheduling';

const TAGS = ['appointments'] as const;
const READ = { permission: 'appointments:read' } as const;
const WRITE = { permission: 'appointments:write' } as const;

const APPOINTMENT_NOT_FOUND = {
  status: 404,
  description: "`appointment_not_found`: no such appointment in the caller's hospital (another hospital's id answers the same).",
};
const NOT_ACTIVE = {
  status: 409,
  description: '`appointment_not_active`: the appointment is cancelled or finished (attended, no-show) and cannot change that way.',
};
const SLOT_TAKEN = {
  status: 409,
  description: '`slot_taken`: the clinician already has an appointment overlapping that time (enforced by the database: of two concurrent bookings of one slot exactly one succeeds).',
};
const OUTSIDE_HOURS = {
  status: 400,
  description: "`outside_working_hours`: the time is outside the clinician's working hours (pick a slot from `GET /v1/availability`). `invalid_request`: a field is invalid (`details` names it).",
};

export function registerAppointmentRoutes(router: Router, scheduling: SchedulingUseCases): void {
  router.route({
    method: 'POST',
    path: '/v1/appointments',
    operationId: 'bookAppointment',
    summary: 'Book an appointment',
    description:
      "For a patient (their WhatsApp number: reminders go there, per the hospital's reminder policy, planned in the same transaction). Repeating a request with the same `Idempotency-Key` (or `idempotencyKey`) returns the first booking. Audited (`appointment.booked`).",
    tags: TAGS,
    access: WRITE,
    upstream: true,
    headers: idempotencyHeadersSchema,
    body: bookBodySchema,
    problems: [
      OUTSIDE_HOURS,
      { status: 404, description: '`clinician_not_found`, `appointment_type_not_found`.' },
      SLOT_TAKEN,
    ],
    response: { status: 201, description: 'The appointment.', schema: appointmentSchema },
    handler: ({ principal, headers, body }) => scheduling.book(principal, body, headers['idempotency-key']),
  });

  router.route({
    method: 'GET',
    path: '/v1/appointments',
    operationId: 'listAppointments',
    summary: 'List appointments in a time range',
    description:
      'By start time (a day or a week view, at most 31 days), optionally of one clinic or clinician, earliest first, every state included. Audited (`appointment.list`, naming the ids listed).',
    tags: TAGS,
    access: READ,
    upstream: true,
    query: appointmentListQuerySchema,
    response: { status: 200, description: 'The appointments.', schema: appointmentListSchema },
    handler: ({ principal, query }) => scheduling.listAppointments(principal, query),
  });

  router.route({
    method: 'GET',
    path: '/v1/appointments/{id}',
    operationId: 'getAppointment',
    summary: 'Get an appointment',
    description: 'Audited (`appointment.read`).',
    tags: TAGS,
    access: READ,
    upstream: true,
    params: idParamsSchema('appointment'),
    problems: [APPOINTMENT_NOT_FOUND],
    response: { status: 200, description: 'The appointment.', schema: appointmentSchema },
    handler: ({ principal, params }) => scheduling.getAppointment(principal, params.id),
  });

  router.route({
    method: 'POST',
    path: '/v1/appointments/{id}/reschedule',
    operationId: 'rescheduleAppointment',
    summary: 'Move an appointment',
    description:
      "To another start (and optionally another clinician), inside working hours; its pending reminders are cancelled and planned again. Status becomes `rescheduled` (unconfirmed). Audited (`appointment.rescheduled`).",
    tags: TAGS,
    access: WRITE,
    upstream: true,
    params: idParamsSchema('appointment'),
    body: rescheduleBodySchema,
    problems: [APPOINTMENT_NOT_FOUND, OUTSIDE_HOURS, NOT_ACTIVE, SLOT_TAKEN],
    response: { status: 200, description: 'The moved appointment.', schema: appointmentSchema },
    handler: ({ principal, params, body }) => scheduling.reschedule(principal, params.id, body),
  });

  router.route({
    method: 'POST',
    path: '/v1/appointments/{id}/cancel',
    operationId: 'cancelAppointment',
    summary: 'Cancel an appointment',
    description:
      'Body `{}` for a cancellation by the hospital, `{"cancelledBy": "patient"}` when the patient asked. Its pending reminders never go out. Cancelling a cancelled appointment again changes nothing. Audited (`appointment.cancelled`).',
    tags: TAGS,
    access: WRITE,
    upstream: true,
    params: idParamsSchema('appointment'),
    body: cancelBodySchema,
    problems: [APPOINTMENT_NOT_FOUND, NOT_ACTIVE],
    response: { status: 200, description: 'The cancelled appointment.', schema: appointmentSchema },
    handler: ({ principal, params, body }) => scheduling.cancel(principal, params.id, body),
  });

  router.route({
    method: 'POST',
    path: '/v1/appointments/{id}/attendance',
    operationId: 'markAppointmentAttendance',
    summary: 'Record whether the patient came',
    description: '`attended` or `no_show` (a correction is allowed); counted in the no-show report. Audited (`appointment.attendance_marked`).',
    tags: TAGS,
    access: WRITE,
    upstream: true,
    params: idParamsSchema('appointment'),
    body: attendanceBodySchema,
    problems: [APPOINTMENT_NOT_FOUND, NOT_ACTIVE],
    response: { status: 200, description: 'The appointment.', schema: appointmentSchema },
    handler: ({ principal, params, body }) => scheduling.markAttendance(principal, params.id, body),
  });

  router.route({
    method: 'POST',
    path: '/v1/appointments/import',
    operationId: 'importAppointments',
    summary: "Import appointments from the hospital's EHR",
    description:
      "For hospitals whose EHR owns the calendar: idempotent by `externalId` (a repeated import moves or cancels the same appointment instead of adding one). Each item succeeds or fails on its own (`errorCode`, e.g. `slot_taken`). Working hours are not enforced. Audited per item (`appointment.imported` when created, `appointment.rescheduled` / `appointment.cancelled` when changed).",
    tags: TAGS,
    access: WRITE,
    upstream: true,
    body: importBodySchema,
    response: { status: 200, description: 'One result per item, in order.', schema: importResultSchema },
    handler: ({ principal, body }) => scheduling.importAppointments(principal, body),
  });
}
