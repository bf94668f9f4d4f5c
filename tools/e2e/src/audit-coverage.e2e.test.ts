// Audit coverage through real processes: each api endpoint that touches patient data (every
// operation the OpenAPI document marks with a permission, but tenant administration and the audit
// log's own routes, which are configuration and audit-log reads audited by their services), called
// once, puts exactly one AuditEventV1 on audit.events.v1 (under the stack's topic prefix) with the
// right actor, action, patient reference and outcome, and nothing of the patient in clear.
// Refusals after the caller is known are audited too (window closed → denied, unknown id →
// failure, a role without the permission → access.denied at api), and every staff member's first
// request is one sign-in (auth.login).
import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createKafka } from '@careline/bus';
import { readTopic } from '@careline/bus/testing';
import { type AuditEventV1, AuditActorType, AuditOutcome, TOPICS, WA_ID_HASH_PURPOSE, auditEvent } from '@careline/contracts';
import { createLocalKeyProvider, createSealer, parseMasterKey } from '@careline/crypto';
import { type JsonResponse, requestJson } from '@careline/stack';
import { testEnv, waitFor } from '@careline/testing';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { type Conversation, type StaffClient, staffClient } from './support/api';
import { openInboxStream } from './support/inbox-stream';
import { useStack } from './support/stack';
import { inboundTextWebhook, postWebhook, randomWaId, sign } from './support/webhooks';

const stack = useStack('audit-coverage');

const PATIENT_TEXT = 'Audit me: my private symptom';
const REPLY_TEXT = 'Audit me: the private reply';

const documentSchema = z.object({
  paths: z.record(z.string(), z.record(z.string(), z.looseObject({ operationId: z.string(), 'x-careline-permission': z.string().optional() }))),
});

interface Expected {
  action: string;
  resourceType: string;
  /** The patient is named (wa_id hash) when the call concerns one conversation. */
  patient: boolean;
  body?: unknown;
  /** Default: a success (2xx) audited as SUCCESS. */
  status?: number;
  outcome?: AuditOutcome;
  /** records routes: path ids are the records set-up's (patient, document, share), not the conversation's. */
  records?: boolean;
  /** Appended to the URL (a patient search names one way of searching). */
  query?: string;
  /** The body is a multipart document upload. */
  multipart?: boolean;
  /** Events the same call records first, in order (e.g. a PATCH reads, then updates). */
  before?: readonly string[];
  /** The path and query, when the route's ids are not the conversation's (appointments, set-up). */
  url?: () => string;
  /** The call reads no patient data and its service records nothing on success (free slots). */
  unaudited?: true;
}

/**
 * The scheduling set-up's ids (made by its own subject before the calls): a calendar open every
 * day, and one appointment of the conversation's patient per changing route, at free slots.
 */
const sched = { site: '', clinic: '', clinician: '', type: '', read: '', reschedule: '', cancel: '', attendance: '', slots: [] as string[], from: '', to: '' };

/** `{site}`, `{clinic}`, `{clinician}`, `{type}`, `{waId}` and `{slotN}` in a body, filled in. */
function withSchedulingIds(text: string, waId: string): string {
  return text
    .replaceAll('{site}', sched.site)
    .replaceAll('{clinic}', sched.clinic)
    .replaceAll('{clinician}', sched.clinician)
    .replaceAll('{type}', sched.type)
    .replaceAll('{waId}', waId)
    .replace(/\{slot([0-9])\}/g, (_, n: string) => sched.slots[Number(n)] ?? '');
}
const WEEK = [1, 2, 3, 4, 5, 6, 7].map((weekday) => ({ weekday, start: '00:00', end: '23:30' }));
const schedulingRange = () => `from=${sched.from}&to=${sched.to}`;

/** The records set-up's ids, filled before the calls (`{patient}` in a body is replaced by its id). */
const recordIds = { patient: '', document: '', share: '', mrn: `AUD-${randomUUID().slice(0, 8)}` };
const AUDIT_PDF = Buffer.from('%PDF-1.4\n% audit coverage\n%%EOF\n', 'latin1');

function recordsPath(path: string): string {
  const id = path.startsWith('/v1/patients/') || path.startsWith('/v1/fhir/Patient/') ? recordIds.patient : path.startsWith('/v1/shares/') ? recordIds.share : recordIds.document;
  return path.replace(/\{[A-Za-z0-9_]+\}/g, id);
}

async function uploadPdf(apiUrl: string, token: string, patientId: string): Promise<JsonResponse> {
  const form = new FormData();
  form.append('title', 'Audit coverage');
  form.append('file', new Blob([AUDIT_PDF], { type: 'application/pdf' }), 'audit.pdf');
  const response = await fetch(`${apiUrl}/v1/patients/${patientId}/documents`, { method: 'POST', headers: { authorization: `Bearer ${token}` }, body: form });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: JSON.parse(text) as unknown, text };
}

/** Permissions whose routes are not patient-data routes (their own services audit them). */
const NOT_PATIENT_DATA = new Set(['tenant:admin', 'audit:read']);
/**
 * Routes behind a patient-data permission that serve none: the hospital's team names, and its
 * calendar set-up (sites, clinics, clinicians, types) that whoever books picks by name.
 */
const NOT_PATIENT_DATA_ROUTES = new Set(['listOwnTeams', 'listSites', 'listClinics', 'listClinicians', 'listAppointmentTypes']);

/** What each patient-data endpoint must record; an endpoint missing here fails the test. */
const EXPECTED: Record<string, Expected> = {
  listConversations: { action: 'conversation.list', resourceType: 'conversation_list', patient: false },
  // the path's message id is the conversation's id here: no such media message, audited as a failure
  getMessageMedia: { action: 'media.read', resourceType: 'message', patient: true, status: 404, outcome: AuditOutcome.AUDIT_OUTCOME_FAILURE },
  getConversation: { action: 'conversation.read', resourceType: 'conversation', patient: true },
  listMessages: { action: 'messages.read', resourceType: 'conversation', patient: true },
  sendText: { action: 'message.send', resourceType: 'message', patient: true, body: { text: REPLY_TEXT } },
  // lifting a restriction that is not there: still a change of access settings, audited
  setConversationRestriction: { action: 'conversation.restriction_changed', resourceType: 'conversation', patient: true, body: { restricted: false } },
  // break-glass on a conversation that is not restricted is refused, and the attempt audited
  breakGlass: {
    action: 'break_glass.granted',
    resourceType: 'conversation',
    patient: true,
    body: { reason: 'other', justification: 'Audit coverage: is an attempt recorded?' },
    status: 409,
    outcome: AuditOutcome.AUDIT_OUTCOME_FAILURE,
  },
  // templates and consent
  listTemplates: { action: 'template.list', resourceType: 'template_registry', patient: false },
  sendTemplate: {
    action: 'message.send_template',
    resourceType: 'message',
    patient: true,
    body: { templateName: 'appointment_reminder', parameters: { '1': 'Audrey', '2': 'Dr. Audit', '3': 'Friday' } },
  },
  getConsent: { action: 'consent.read', resourceType: 'conversation', patient: true },
  setConsent: { action: 'consent.opted_in', resourceType: 'conversation', patient: true, body: { state: 'opted_in', source: 'staff' } },
  // the inbox (an empty assignment: clears it, still a change)
  assignConversation: { action: 'conversation.assigned', resourceType: 'conversation', patient: true, body: {} },
  setConversationState: { action: 'conversation.state_changed', resourceType: 'conversation', patient: true, body: { status: 'pending' } },
  addNote: { action: 'conversation.note_added', resourceType: 'note', patient: true, body: { body: 'Audit me: a private note' } },
  listNotes: { action: 'conversation.notes_read', resourceType: 'conversation', patient: true },
  markConversationRead: { action: 'conversation.read_marked', resourceType: 'conversation', patient: true },
  // a WebSocket: opened for real (support/inbox-stream.ts), one event per stream, no single patient
  inboxStream: { action: 'inbox.watch', resourceType: 'inbox_stream', patient: false, status: 101 },
  // records (patients, documents, shares, FHIR), on the set-up's patient; records names the
  // patient by id (patientId), not by number hash
  createPatient: {
    action: 'patient.created',
    resourceType: 'patient',
    patient: false,
    records: true,
    body: { mrn: `AUD-${randomUUID().slice(0, 8)}`, givenName: 'Audit', familyName: 'Coverage', dateOfBirth: '1970-01-01' },
  },
  searchPatients: { action: 'patient.searched', resourceType: 'patient_search', patient: false, records: true, query: `?mrn=${recordIds.mrn}` },
  getPatient: { action: 'patient.read', resourceType: 'patient', patient: false, records: true },
  updatePatient: { action: 'patient.updated', resourceType: 'patient', patient: false, records: true, body: { preferredLanguage: 'es' }, before: ['patient.read'] },
  linkPatientContact: { action: 'patient.contact_linked', resourceType: 'patient', patient: false, records: true, body: { waIdHash: 'c'.repeat(64) } },
  listPatientConsents: { action: 'consent.read', resourceType: 'patient', patient: false, records: true },
  recordPatientConsent: { action: 'consent.recorded', resourceType: 'consent', patient: false, records: true, body: { kind: 'messaging', granted: true, source: 'staff' } },
  uploadDocument: { action: 'document.uploaded', resourceType: 'document', patient: false, records: true, multipart: true },
  listDocuments: { action: 'document.listed', resourceType: 'patient', patient: false, records: true },
  downloadDocument: { action: 'document.downloaded_by_staff', resourceType: 'document', patient: false, records: true },
  shareDocument: { action: 'record.shared', resourceType: 'share', patient: false, records: true, body: { expiresInMinutes: 30 } },
  listDocumentShares: { action: 'share.listed', resourceType: 'document', patient: false, records: true },
  revokeShare: { action: 'share.revoked', resourceType: 'share', patient: false, records: true },
  // FHIR import goes through the ordinary calls: a Patient is looked up by MRN, then created; a
  // DocumentReference is uploaded, then exported back (content inline, audited as a staff read)
  importFhirPatient: {
    action: 'patient.created',
    resourceType: 'patient',
    patient: false,
    records: true,
    before: ['patient.searched'],
    body: {
      resourceType: 'Patient',
      identifier: [{ system: 'urn:careline:mrn', value: `AUD-${randomUUID().slice(0, 8)}` }],
      name: [{ family: 'Coverage', given: ['Fhir'] }],
      birthDate: '1971-02-03',
    },
  },
  importFhirDocumentReference: {
    action: 'document.downloaded_by_staff',
    resourceType: 'document',
    patient: false,
    records: true,
    before: ['document.uploaded'],
    body: {
      resourceType: 'DocumentReference',
      status: 'current',
      subject: { reference: 'Patient/{patient}' },
      content: [{ attachment: { contentType: 'application/pdf', data: AUDIT_PDF.toString('base64') } }],
    },
  },
  exportFhirPatient: { action: 'patient.read', resourceType: 'patient', patient: false, records: true },
  exportFhirDocumentReference: { action: 'document.downloaded_by_staff', resourceType: 'document', patient: false, records: true },
  exportFhirDiagnosticReport: { action: 'document.read', resourceType: 'document', patient: false, records: true },
  // the calendar set-up: staff data, audited by scheduling as configuration (one event per call)
  putSite: { action: 'scheduling.configured', resourceType: 'site', patient: false, url: () => `/v1/sites/${randomUUID()}`, body: { name: 'Audit site', timeZone: 'UTC' } },
  putClinic: { action: 'scheduling.configured', resourceType: 'clinic', patient: false, url: () => `/v1/clinics/${randomUUID()}`, body: { siteId: '{site}', name: 'Audit clinic' } },
  putClinician: { action: 'scheduling.configured', resourceType: 'clinician', patient: false, url: () => `/v1/clinicians/${randomUUID()}`, body: { clinicId: '{clinic}', displayName: 'Dr Audit' } },
  // the same week again: the appointments below stay inside the hours
  putWorkingHours: { action: 'scheduling.configured', resourceType: 'clinician', patient: false, url: () => `/v1/clinicians/${sched.clinician}/working-hours`, body: { hours: WEEK, exceptions: [] } },
  putAppointmentType: { action: 'scheduling.configured', resourceType: 'appointment_type', patient: false, url: () => `/v1/appointment-types/${randomUUID()}`, body: { name: 'Audit type', mode: 'video', durationMinutes: 20 } },
  searchAvailability: {
    action: '',
    resourceType: '',
    patient: false,
    unaudited: true,
    url: () => `/v1/availability?appointmentTypeId=${sched.type}&clinicId=${sched.clinic}&${schedulingRange()}`,
  },
  // appointments of the conversation's patient: scheduling names them by number hash
  bookAppointment: {
    action: 'appointment.booked',
    resourceType: 'appointment',
    patient: true,
    status: 201,
    url: () => '/v1/appointments',
    body: { clinicianId: '{clinician}', appointmentTypeId: '{type}', startsAt: '{slot4}', patient: { waId: '{waId}' } },
  },
  listAppointments: { action: 'appointment.list', resourceType: 'appointment_list', patient: false, url: () => `/v1/appointments?${schedulingRange()}&clinicianId=${sched.clinician}` },
  getAppointment: { action: 'appointment.read', resourceType: 'appointment', patient: true, url: () => `/v1/appointments/${sched.read}` },
  rescheduleAppointment: { action: 'appointment.rescheduled', resourceType: 'appointment', patient: true, url: () => `/v1/appointments/${sched.reschedule}/reschedule`, body: { startsAt: '{slot5}' } },
  cancelAppointment: { action: 'appointment.cancelled', resourceType: 'appointment', patient: true, url: () => `/v1/appointments/${sched.cancel}/cancel`, body: {} },
  markAppointmentAttendance: { action: 'appointment.attendance_marked', resourceType: 'appointment', patient: true, url: () => `/v1/appointments/${sched.attendance}/attendance`, body: { outcome: 'no_show' } },
  importAppointments: {
    action: 'appointment.imported',
    resourceType: 'appointment',
    patient: true,
    url: () => '/v1/appointments/import',
    body: { appointments: [{ externalId: `EHR-${randomUUID()}`, clinicianId: '{clinician}', appointmentTypeId: '{type}', startsAt: '{slot6}', patient: { waId: '{waId}' } }] },
  },
  noShowReport: { action: 'appointment.stats_read', resourceType: 'clinic', patient: false, url: () => `/v1/reports/no-shows?${schedulingRange()}` },
  // erasure (issue 7) is `patients:erase`, admin only: the clinician of this loop is refused at api
  // and the attempt recorded (access.denied), messaging never called and nothing erased. The
  // admin's erasure and its `patient.erased` event: erasure.e2e.test.ts
  erasePatientMessagingData: {
    action: 'access.denied',
    resourceType: 'route',
    patient: false,
    body: { reason: 'Audit coverage: may a clinician erase?' },
    status: 403,
    outcome: AuditOutcome.AUDIT_OUTCOME_DENIED,
  },
};

describe('audit coverage of the api', () => {
  it('emits exactly one audit event per patient-data call, with actor, action, patient and outcome', async () => {
    const s = stack();
    const poller = await staffClient(s, { subject: `poller-${randomUUID()}` });
    const waId = randomWaId();
    await s.patientSays(waId, PATIENT_TEXT, { profileName: 'Audrey Audit' });
    const conversation: Conversation = await waitFor(() => poller.conversationWith(waId), {
      message: 'the conversation to be listed',
      timeoutMs: 20_000,
    });

    // a conversation whose window closed (the patient wrote 25 hours ago)
    const closedWaId = randomWaId();
    const old = inboundTextWebhook(s.seed, { waId: closedWaId, text: 'An old question', timestamp: Math.floor(Date.now() / 1000) - 25 * 3600 });
    expect(await postWebhook(s.urls.webhook, old.body, sign(old.body, s.seed.whatsapp.appSecret))).toBe(200);
    const closed = await waitFor(() => poller.conversationWith(closedWaId), { message: 'the closed conversation', timeoutMs: 20_000 });

    const document = documentSchema.parse((await requestJson('GET', s.urls.openapi)).body);
    const patientRoutes = Object.entries(document.paths).flatMap(([path, item]) =>
      Object.entries(item)
        .filter(([, operation]) => {
          const permission = operation['x-careline-permission'];
          return permission !== undefined && !NOT_PATIENT_DATA.has(permission) && !NOT_PATIENT_DATA_ROUTES.has(operation.operationId);
        })
        .map(([method, operation]) => ({
          method: method.toUpperCase(),
          path,
          operationId: operation.operationId,
          permission: operation['x-careline-permission'],
        })),
    );
    expect(patientRoutes.map((route) => route.operationId).sort()).toEqual(Object.keys(EXPECTED).sort());

    // the records set-up (its own subject, not counted): a patient with a number, a PDF, a share
    const setup = await staffClient(s, { subject: `records-setup-${randomUUID().slice(0, 8)}`, roles: ['clinician'] });
    const setupAuth = { authorization: `Bearer ${setup.token}` };
    const registered = await requestJson('POST', `${s.urls.api}/v1/patients`, {
      headers: setupAuth,
      body: { mrn: recordIds.mrn, givenName: 'Audit', familyName: 'Setup', dateOfBirth: '1969-06-06', waId: randomWaId() },
    });
    expect(registered.status, registered.text).toBe(201);
    recordIds.patient = z.object({ id: z.string() }).parse(registered.body).id;
    recordIds.document = z.object({ id: z.string() }).parse((await uploadPdf(s.urls.api, setup.token, recordIds.patient)).body).id;
    const setupShare = await requestJson('POST', `${s.urls.api}/v1/documents/${recordIds.document}/shares`, { headers: setupAuth, body: {} });
    expect(setupShare.status, setupShare.text).toBe(201);
    recordIds.share = z.object({ id: z.string() }).parse(setupShare.body).id;

    // the scheduling set-up (its own subject, not counted): a calendar and four appointments of the patient
    const scheduler = await staffClient(s, { subject: `scheduling-setup-${randomUUID().slice(0, 8)}`, roles: ['front_desk'] });
    const deskAuth = { authorization: `Bearer ${scheduler.token}` };
    Object.assign(sched, { site: randomUUID(), clinic: randomUUID(), clinician: randomUUID(), type: randomUUID() });
    for (const [path, body] of [
      [`/v1/sites/${sched.site}`, { name: 'Audit site', timeZone: 'UTC' }],
      [`/v1/clinics/${sched.clinic}`, { siteId: sched.site, name: 'Audit clinic' }],
      [`/v1/clinicians/${sched.clinician}`, { clinicId: sched.clinic, displayName: 'Dr Audit' }],
      [`/v1/clinicians/${sched.clinician}/working-hours`, { hours: WEEK, exceptions: [] }],
      [`/v1/appointment-types/${sched.type}`, { name: 'Audit type', mode: 'in_person', durationMinutes: 20 }],
    ] as const) {
      const response = await requestJson('PUT', `${s.urls.api}${path}`, { headers: deskAuth, body });
      expect(response.status, `${path}: ${response.text}`).toBe(200);
    }
    sched.from = new Date(Date.now() + 86_400_000).toISOString();
    sched.to = new Date(Date.now() + 2 * 86_400_000).toISOString();
    const free = await requestJson('GET', `${s.urls.api}/v1/availability?appointmentTypeId=${sched.type}&clinicId=${sched.clinic}&${schedulingRange()}&limit=7`, { headers: deskAuth });
    sched.slots = z.object({ items: z.array(z.object({ startsAt: z.string() })) }).parse(free.body).items.map((slot) => slot.startsAt);
    expect(sched.slots).toHaveLength(7);
    for (const [index, which] of (['read', 'reschedule', 'cancel', 'attendance'] as const).entries()) {
      const booked = await requestJson('POST', `${s.urls.api}/v1/appointments`, {
        headers: deskAuth,
        body: { clinicianId: sched.clinician, appointmentTypeId: sched.type, startsAt: sched.slots[index], patient: { waId } },
      });
      expect(booked.status, booked.text).toBe(201);
      sched[which] = z.object({ id: z.string() }).parse(booked.body).id;
    }

    // one staff member (subject) per call, so that "exactly one event" is counted per call
    const subjects = new Map<string, { operationId: string; response: JsonResponse }>();
    for (const route of patientRoutes) {
      const subject = `${route.operationId}-${randomUUID().slice(0, 8)}`;
      // a clinician holds every permission of these routes but the calendar set-up, which is the
      // front desk's (or the admin's)
      const roles = route.permission === 'scheduling:configure' ? ['front_desk'] : ['clinician'];
      const staff: StaffClient = await staffClient(s, { subject, roles });
      const expected = EXPECTED[route.operationId];
      const url =
        expected?.url !== undefined
          ? `${s.urls.api}${expected.url()}`
          : expected?.records === true
            ? `${s.urls.api}${recordsPath(route.path)}${expected.query ?? ''}`
            : `${s.urls.api}${route.path.replace(/\{[A-Za-z0-9_]+\}/g, conversation.id)}`;
      if (expected?.multipart === true) {
        const uploaded = await uploadPdf(s.urls.api, staff.token, recordIds.patient);
        expect(uploaded.status, route.operationId).toBe(201);
        subjects.set(subject, { operationId: route.operationId, response: uploaded });
        continue;
      }
      if (route.operationId === 'inboxStream') {
        const socket = await openInboxStream(s.urls.api, staff.token);
        await socket.close();
        subjects.set(subject, { operationId: route.operationId, response: { status: 101, body: null, headers: new Headers(), text: '' } });
        continue;
      }
      const response = await requestJson(route.method, url, {
        headers: { authorization: `Bearer ${staff.token}` },
        ...(expected?.body === undefined ? {} : { body: JSON.parse(withSchedulingIds(JSON.stringify(expected.body).replace('{patient}', recordIds.patient), waId)) as unknown }),
      });
      if (expected?.status === undefined) expect(response.status, `${route.operationId}: ${response.text}`).toBeLessThan(300);
      else expect(response.status, route.operationId).toBe(expected.status);
      subjects.set(subject, { operationId: route.operationId, response });
    }
    // refusals once the caller is known
    const lateSubject = `late-${randomUUID().slice(0, 8)}`;
    const late = await staffClient(s, { subject: lateSubject });
    expect((await late.reply(closed.id, 'Too late')).status).toBe(409);
    const proberSubject = `prober-${randomUUID().slice(0, 8)}`;
    const prober = await staffClient(s, { subject: proberSubject });
    const unknownId = randomUUID();
    expect((await prober.getConversation(unknownId)).status).toBe(404);
    const deskSubject = `desk-${randomUUID().slice(0, 8)}`;
    const desk = await staffClient(s, { subject: deskSubject, roles: ['front_desk'] });
    const refused = await requestJson('POST', `${s.urls.api}/v1/conversations/${conversation.id}/break-glass`, {
      headers: { authorization: `Bearer ${desk.token}` },
      body: { reason: 'other', justification: 'Front desk should not be able to do this' },
    });
    expect(refused.status).toBe(403);
    const lastSubject = `last-${randomUUID().slice(0, 8)}`;
    const last = await staffClient(s, { subject: lastSubject });
    expect((await last.listConversations()).status).toBe(200);

    // every event of the tenant, until the last call's (one key per tenant: one partition, in order)
    const kafka = createKafka({ brokers: testEnv().kafkaBrokers.split(','), clientId: 'e2e-audit-reader', topicPrefix: s.topicPrefix });
    const tenantEvents = (records: readonly { value: Buffer | null }[]) =>
      records
        .map((record) => ({ raw: record.value ?? Buffer.alloc(0), event: auditEvent.decode(record.value ?? new Uint8Array()) }))
        .filter((entry) => entry.event.tenantId === s.seed.tenant.id);
    const records = await readTopic(kafka, TOPICS.auditEvents, {
      until: (read) => tenantEvents(read).some((entry) => entry.event.actor?.id === `user:${lastSubject}`),
      timeoutMs: 30_000,
    });
    const entries = tenantEvents(records);
    const byActor = (subject: string) => entries.filter((entry) => entry.event.actor?.id === `user:${subject}`).map((entry) => entry.event);
    /** The one event of a subject's call (its sign-in aside, checked once per subject below). */
    const of = (subject: string, before: readonly string[] = []): AuditEventV1 => {
      const events = byActor(subject).filter((event) => event.action !== 'auth.login');
      // a call that is several service calls records each, in order; the last is the one checked
      expect(events.map((event) => event.action).slice(0, before.length), subject).toEqual(before);
      expect(events, subject).toHaveLength(before.length + 1);
      return events[before.length]!;
    };
    for (const subject of [...subjects.keys(), lateSubject, proberSubject, deskSubject, lastSubject]) {
      expect(byActor(subject).filter((event) => event.action === 'auth.login'), subject).toHaveLength(1);
    }

    const masterKey = parseMasterKey(await readFile(s.files.masterKey, 'utf8'));
    const sealer = createSealer(createLocalKeyProvider({ masterKey }));
    const hashOf = (id: string) => sealer.blindIndex(s.seed.tenant.id, WA_ID_HASH_PURPOSE, id);
    const patientHash = await hashOf(waId);

    for (const [subject, { operationId, response }] of subjects) {
      const expected = EXPECTED[operationId]!;
      if (expected.unaudited === true) {
        expect(byActor(subject).filter((event) => event.action !== 'auth.login'), operationId).toEqual([]);
        continue;
      }
      const event = of(subject, expected.before);
      if (expected.records === true && operationId !== 'createPatient' && operationId !== 'importFhirPatient' && operationId !== 'searchPatients') {
        expect(event.patientId, operationId).toBe(recordIds.patient);
      }
      expect(event, operationId).toMatchObject({
        actor: { type: AuditActorType.AUDIT_ACTOR_TYPE_STAFF, id: `user:${subject}` },
        action: expected.action,
        patientWaIdHash: expected.patient ? patientHash : '',
        resource: { type: expected.resourceType },
        outcome: expected.outcome ?? AuditOutcome.AUDIT_OUTCOME_SUCCESS,
      });
      if (operationId === 'sendText') expect(event.resource?.id).toBe(z.object({ id: z.string() }).parse(response.body).id);
      else if (expected.resourceType === 'conversation') expect(event.resource?.id).toBe(conversation.id);
    }
    expect(of(lateSubject)).toMatchObject({
      action: 'message.send',
      patientWaIdHash: await hashOf(closedWaId),
      resource: { type: 'conversation', id: closed.id },
      outcome: AuditOutcome.AUDIT_OUTCOME_DENIED,
      detail: { reason: 'window_closed' },
    });
    // refused at api by the permission table: messaging is never called, api records it
    expect(of(deskSubject)).toMatchObject({
      action: 'access.denied',
      resource: { type: 'route', id: 'POST /v1/conversations/{id}/break-glass' },
      outcome: AuditOutcome.AUDIT_OUTCOME_DENIED,
      detail: { permission: 'break_glass' },
    });
    expect(of(proberSubject)).toMatchObject({
      action: 'conversation.read',
      patientWaIdHash: '',
      resource: { type: 'conversation', id: unknownId },
      outcome: AuditOutcome.AUDIT_OUTCOME_FAILURE,
      detail: { reason: 'conversation_not_found' },
    });

    // ids only: nothing of the patients in clear in any audit event
    for (const { raw } of entries) {
      const text = raw.toString('latin1');
      for (const secret of [waId, closedWaId, PATIENT_TEXT, REPLY_TEXT, 'Audrey Audit', 'Too late']) expect(text).not.toContain(secret);
    }
  });
});
