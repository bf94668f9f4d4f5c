// Patients and their consent over REST (RecordsService). Thin edges: validate, call a use-case,
// answer. The tenant is always the token's; another tenant's id answers 404 like an unknown one.
import type { Router } from '../http/router';
import {
  consentCreateSchema,
  consentListSchema,
  consentSchema,
  linkContactSchema,
  patientCreateSchema,
  patientListSchema,
  patientParamsSchema,
  patientPatchSchema,
  patientSchema,
  patientSearchQuerySchema,
} from '../schemas/records';
import type { RecordsUseCases } from '../use-cases/records';

export const PATIENT_NOT_FOUND = {
  status: 404,
  description: "`patient_not_found`: no such patient in the caller's tenant (another tenant's id answers the same).",
};

const INVALID_PATIENT = {
  status: 400,
  description: '`invalid_patient`: records refused a field (`details` names it, never its value).',
};

export function registerPatientRoutes(router: Router, records: RecordsUseCases): void {
  router.route({
    method: 'POST',
    path: '/v1/patients',
    operationId: 'createPatient',
    summary: 'Register a patient',
    description: 'Identifying fields are stored encrypted by records; the call is an audit event (`patient.created`).',
    tags: ['patients'],
    access: { permission: 'patients:write' },
    upstream: true,
    body: patientCreateSchema,
    problems: [INVALID_PATIENT, { status: 409, description: '`mrn_taken`: the hospital already has a patient with this MRN.' }],
    response: { status: 201, description: 'The new patient.', schema: patientSchema },
    handler: ({ principal, body }) => records.createPatient(principal, body),
  });

  router.route({
    method: 'GET',
    path: '/v1/patients',
    operationId: 'searchPatients',
    summary: 'Find patients',
    description:
      'By exactly one of `mrn`, `waId` or `familyName` (optionally with `birthDate` and `givenNamePrefix`). Names are stored encrypted and searched by keyed hashes: exact matches only (case, accents, spaces and hyphens ignored), never substrings. Audited (`patient.searched`).',
    tags: ['patients'],
    access: { permission: 'patients:read' },
    upstream: true,
    query: patientSearchQuerySchema,
    response: { status: 200, description: 'The matches.', schema: patientListSchema },
    handler: ({ principal, query }) => records.searchPatients(principal, query),
  });

  router.route({
    method: 'GET',
    path: '/v1/patients/{id}',
    operationId: 'getPatient',
    summary: 'Get a patient',
    description: 'Audited (`patient.read`).',
    tags: ['patients'],
    access: { permission: 'patients:read' },
    upstream: true,
    params: patientParamsSchema,
    problems: [PATIENT_NOT_FOUND],
    response: { status: 200, description: 'The patient.', schema: patientSchema },
    handler: ({ principal, params }) => records.getPatient(principal, params.id),
  });

  router.route({
    method: 'PATCH',
    path: '/v1/patients/{id}',
    operationId: 'updatePatient',
    summary: "Change a patient's fields",
    description:
      'Only the fields given change (`null` removes `waId` or `preferredLanguage`). records stores whole records, so this reads the patient and writes the merge: two audit events (`patient.read`, `patient.updated`).',
    tags: ['patients'],
    access: { permission: 'patients:write' },
    upstream: true,
    params: patientParamsSchema,
    body: patientPatchSchema,
    problems: [PATIENT_NOT_FOUND, INVALID_PATIENT, { status: 409, description: '`mrn_taken`: another patient has this MRN.' }],
    response: { status: 200, description: 'The patient after the change.', schema: patientSchema },
    handler: ({ principal, params, body }) => records.patchPatient(principal, params.id, body),
  });

  router.route({
    method: 'POST',
    path: '/v1/patients/{id}/link-contact',
    operationId: 'linkPatientContact',
    summary: 'Link a WhatsApp contact to a patient',
    description:
      "Links an unverified contact (a conversation's patient, by its keyed number hash) to the patient, e.g. after the front desk checked who wrote. Kept as history; audited (`patient.contact_linked`).",
    tags: ['patients'],
    access: { permission: 'patients:write' },
    upstream: true,
    params: patientParamsSchema,
    body: linkContactSchema,
    problems: [PATIENT_NOT_FOUND],
    response: { status: 200, description: 'The patient after linking.', schema: patientSchema },
    handler: ({ principal, params, body }) => records.linkContact(principal, params.id, body),
  });

  router.route({
    method: 'GET',
    path: '/v1/patients/{id}/consents',
    operationId: 'listPatientConsents',
    summary: "A patient's consent decisions",
    description: 'The history (newest first) and the current decision per kind. Audited (`consent.read`).',
    tags: ['patients'],
    access: { permission: 'patients:read' },
    upstream: true,
    params: patientParamsSchema,
    problems: [PATIENT_NOT_FOUND],
    response: { status: 200, description: 'History and current decisions.', schema: consentListSchema },
    handler: ({ principal, params }) => records.listConsents(principal, params.id),
  });

  router.route({
    method: 'POST',
    path: '/v1/patients/{id}/consents',
    operationId: 'recordPatientConsent',
    summary: 'Record a consent decision',
    description: 'Appended to the history (never overwritten). Audited (`consent.recorded`).',
    tags: ['patients'],
    access: { permission: 'patients:write' },
    upstream: true,
    params: patientParamsSchema,
    body: consentCreateSchema,
    problems: [PATIENT_NOT_FOUND],
    response: { status: 201, description: 'The recorded decision.', schema: consentSchema },
    handler: ({ principal, params, body }) => records.recordConsent(principal, params.id, body),
  });
}
