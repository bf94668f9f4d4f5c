// The hospital's calendar set-up and availability over REST (SchedulingService). The ids are the
// client's (PUT = create or replace at that id, as scheduling's Upsert* take them): a console
// mints a UUID, an integrator mirrors its EHR's. Ids are per hospital: another tenant's id names a
// new thing of the caller's own, never the other's (scheduling keys every row by tenant and id).
// Set-up needs `scheduling:configure` (admin, front desk, integration), which scheduling checks
// again; it is staff data,
// audited by scheduling as `scheduling.configured`. Thin edges: validate, call a use-case, answer.
import type { Router } from '../http/router';
import {
  appointmentTypeBodySchema,
  appointmentTypeListSchema,
  appointmentTypeSchema,
  availabilityQuerySchema,
  clinicBodySchema,
  clinicListQuerySchema,
  clinicListSchema,
  clinicSchema,
  clinicianBodySchema,
  clinicianListQuerySchema,
  clinicianListSchema,
  clinicianSchema,
  idParamsSchema,
  siteBodySchema,
  siteListSchema,
  siteSchema,
  slotListSchema,
  workingHoursBodySchema,
  workingHoursViewSchema,
} from '../schemas/scheduling';
import type { SchedulingUseCases } from '../use-cases/scheduling';

const TAGS = ['scheduling'] as const;
const WRITE = { permission: 'scheduling:configure' } as const;
// whoever books (front desk, clinicians, nurses, integrations) picks sites, clinics, clinicians
// and types by name; staff data, no patient data, so not audited on success (like availability)
const LIST = { permission: 'appointments:read' } as const;
const INVALID = {
  status: 400,
  description: '`invalid_request`: scheduling refused a value (`details.field` names it, never its value).',
};
const notFound = (codes: string) => ({ status: 404, description: `${codes}: no such thing in the caller's hospital.` });

export function registerSchedulingRoutes(router: Router, scheduling: SchedulingUseCases): void {
  router.route({
    method: 'PUT',
    path: '/v1/sites/{id}',
    operationId: 'putSite',
    summary: 'Create or replace a site',
    description: 'A hospital building and its IANA time zone (validated). Audited by scheduling (`scheduling.configured`).',
    tags: TAGS,
    access: WRITE,
    upstream: true,
    params: idParamsSchema('site'),
    body: siteBodySchema,
    problems: [INVALID],
    response: { status: 200, description: 'The stored site.', schema: siteSchema },
    handler: ({ principal, params, body }) => scheduling.putSite(principal, params.id, body),
  });

  router.route({
    method: 'PUT',
    path: '/v1/clinics/{id}',
    operationId: 'putClinic',
    summary: 'Create or replace a clinic',
    description: 'A department at a site. Audited by scheduling (`scheduling.configured`).',
    tags: TAGS,
    access: WRITE,
    upstream: true,
    params: idParamsSchema('clinic'),
    body: clinicBodySchema,
    problems: [INVALID, notFound('`site_not_found`')],
    response: { status: 200, description: 'The stored clinic.', schema: clinicSchema },
    handler: ({ principal, params, body }) => scheduling.putClinic(principal, params.id, body),
  });

  router.route({
    method: 'PUT',
    path: '/v1/clinicians/{id}',
    operationId: 'putClinician',
    summary: 'Create or replace a clinician',
    description: 'Who sees patients at one clinic. Audited by scheduling (`scheduling.configured`).',
    tags: TAGS,
    access: WRITE,
    upstream: true,
    params: idParamsSchema('clinician'),
    body: clinicianBodySchema,
    problems: [INVALID, notFound('`clinic_not_found`')],
    response: { status: 200, description: 'The stored clinician.', schema: clinicianSchema },
    handler: ({ principal, params, body }) => scheduling.putClinician(principal, params.id, body),
  });

  router.route({
    method: 'PUT',
    path: '/v1/clinicians/{id}/working-hours',
    operationId: 'putWorkingHours',
    summary: "Replace a clinician's working hours",
    description:
      "The whole week (several intervals per day allowed) and date exceptions (a day off, or other hours), in the local time of the clinician's site. Replaces what was there; existing appointments are not moved. Audited by scheduling (`scheduling.configured`).",
    tags: TAGS,
    access: WRITE,
    upstream: true,
    params: idParamsSchema('clinician'),
    body: workingHoursBodySchema,
    problems: [INVALID, notFound('`clinician_not_found`')],
    response: { status: 200, description: 'The hours as stored.', schema: workingHoursViewSchema },
    handler: ({ principal, params, body }) => scheduling.putWorkingHours(principal, params.id, body),
  });

  router.route({
    method: 'PUT',
    path: '/v1/appointment-types/{id}',
    operationId: 'putAppointmentType',
    summary: 'Create or replace an appointment type',
    description: 'In person or video, with its length. Audited by scheduling (`scheduling.configured`).',
    tags: TAGS,
    access: WRITE,
    upstream: true,
    params: idParamsSchema('appointment type'),
    body: appointmentTypeBodySchema,
    problems: [INVALID],
    response: { status: 200, description: 'The stored type.', schema: appointmentTypeSchema },
    handler: ({ principal, params, body }) => scheduling.putAppointmentType(principal, params.id, body),
  });

  router.route({
    method: 'GET',
    path: '/v1/sites',
    operationId: 'listSites',
    summary: 'List sites',
    description: "The hospital's sites (buildings) with their time zone, by name. Staff data, not audited on success.",
    tags: TAGS,
    access: LIST,
    upstream: true,
    response: { status: 200, description: 'The sites, by name.', schema: siteListSchema },
    handler: ({ principal }) => scheduling.listSites(principal),
  });

  router.route({
    method: 'GET',
    path: '/v1/clinics',
    operationId: 'listClinics',
    summary: 'List clinics',
    description: "The hospital's clinics, of one site or all, by name. Staff data, not audited on success.",
    tags: TAGS,
    access: LIST,
    upstream: true,
    query: clinicListQuerySchema,
    response: { status: 200, description: 'The clinics, by name.', schema: clinicListSchema },
    handler: ({ principal, query }) => scheduling.listClinics(principal, query),
  });

  router.route({
    method: 'GET',
    path: '/v1/clinicians',
    operationId: 'listClinicians',
    summary: 'List clinicians',
    description: "The hospital's clinicians, of one clinic or all, by display name. Staff data, not audited on success.",
    tags: TAGS,
    access: LIST,
    upstream: true,
    query: clinicianListQuerySchema,
    response: { status: 200, description: 'The clinicians, by display name.', schema: clinicianListSchema },
    handler: ({ principal, query }) => scheduling.listClinicians(principal, query),
  });

  router.route({
    method: 'GET',
    path: '/v1/appointment-types',
    operationId: 'listAppointmentTypes',
    summary: 'List appointment types',
    description: "The hospital's appointment types (mode and length), by name. Staff data, not audited on success.",
    tags: TAGS,
    access: LIST,
    upstream: true,
    response: { status: 200, description: 'The types, by name.', schema: appointmentTypeListSchema },
    handler: ({ principal }) => scheduling.listAppointmentTypes(principal),
  });

  router.route({
    method: 'GET',
    path: '/v1/availability',
    operationId: 'searchAvailability',
    summary: 'Free slots',
    description:
      "The working hours (minus exceptions) of a clinic's clinicians, or of one clinician, cut into the type's length, minus their active appointments, earliest first; never before now. No patient data (not audited on success).",
    tags: ['appointments'],
    access: { permission: 'appointments:read' },
    upstream: true,
    query: availabilityQuerySchema,
    problems: [notFound('`appointment_type_not_found`')],
    response: { status: 200, description: 'The free slots.', schema: slotListSchema },
    handler: ({ principal, query }) => scheduling.searchAvailability(principal, query),
  });
}
