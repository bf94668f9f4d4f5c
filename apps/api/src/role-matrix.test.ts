// The role matrix: EVERY route of the api (read from its own OpenAPI document, so a new route is
// covered the day it is added) against EVERY role of @careline/auth, one role per token. What each
// cell must be comes from the permission table (PERMISSIONS), never from a list written here:
// a role the table grants the route's permission gets a success, any other role 403
// permission_denied and messaging is not called.
import { PERMISSIONS, type Permission, ROLES, type Role } from '@careline/auth';
import { type TestAuth, createTestAuth } from '@careline/auth/testing';
import { AppointmentMode, type Conversation, MessageMediaKind, MessageMediaState } from '@careline/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { problemSchema } from './schemas/common';
import { type TestApp, buildTestApp, testConfig } from './testing/app';
import { type FakeAudit, createFakeAudit } from './testing/fake-audit';
import { type FakeDirectory, createFakeDirectory } from './testing/fake-directory';
import { type FakeGateway, createFakeGateway } from './testing/fake-gateway';
import { type FakeMessaging, createFakeMessaging, sampleConversation, sampleMessage } from './testing/fake-messaging';
import { type FakeRecords, PDF_BYTES, createFakeRecords } from './testing/fake-records';
import { type FakeScheduling, createFakeScheduling } from './testing/fake-scheduling';

const METHODS = ['get', 'put', 'post', 'delete', 'patch'] as const;

const operationSchema = z.object({
  operationId: z.string(),
  security: z.array(z.record(z.string(), z.array(z.string()))).optional(),
  'x-careline-permission': z.string().optional(),
  requestBody: z.unknown().optional(),
});
const documentSchema = z.object({
  security: z.array(z.record(z.string(), z.array(z.string()))).optional(),
  paths: z.record(z.string(), z.partialRecord(z.enum(METHODS), operationSchema)),
});

/**
 * A valid body for each operation that takes one. An operation with a request body missing here
 * fails the matrix (the cell could not be told apart from a validation error otherwise).
 */
const EXAMPLE_BODIES: Record<string, unknown> = {
  sendText: { text: 'See you at 10', idempotencyKey: 'role-matrix' },
  // templates and consent (the fake's registry: appointment_reminder with body {{1}} {{2}})
  sendTemplate: { templateName: 'appointment_reminder', languageCode: 'es', parameters: { '1': 'Ana', '2': 'Friday' }, idempotencyKey: 'role-matrix' },
  setConsent: { state: 'opted_in', source: 'staff' },
  // hospital administration (only `admin` holds tenant:admin, so each runs once)
  updateTenant: { name: 'Role Matrix Hospital' },
  registerChannel: {
    phoneNumberId: '109999999999999',
    displayPhoneNumber: '15550009999',
    wabaId: '209999999999999',
    accessToken: 'role-matrix-token',
    appSecret: 'role-matrix-secret',
  },
  updateChannel: { status: 'active' },
  createTeam: { name: 'Role matrix team' },
  updateTeam: { name: 'Role matrix team renamed' },
  addStaff: { subject: 'role-matrix-1', displayName: 'Matrix Member', roles: ['nurse'] },
  updateStaff: { displayName: 'Matrix Member Two' },
  // restricting keeps the matrix's conversation restricted, so break-glass has something to open
  setConversationRestriction: { restricted: true },
  breakGlass: { reason: 'emergency_treatment', justification: 'Role matrix: emergency access check' },
  // records (the fake does not check MRN uniqueness, so every allowed role can create)
  createPatient: { mrn: 'RM-1', givenName: 'Rosa', familyName: 'Matrix', dateOfBirth: '1970-01-01', waId: '34600000009' },
  updatePatient: { preferredLanguage: 'es' },
  linkPatientContact: { waIdHash: 'a'.repeat(64) },
  recordPatientConsent: { kind: 'messaging', granted: true, source: 'staff' },
  uploadDocument: { multipart: true },
  shareDocument: { idempotencyKey: 'role-matrix' },
  importFhirPatient: { resourceType: 'Patient', identifier: [{ system: 'urn:careline:mrn', value: 'RM-2' }], birthDate: '1971-01-01' },
  importFhirDocumentReference: {
    resourceType: 'DocumentReference',
    subject: { reference: 'Patient/{patient}' },
    content: [{ attachment: { contentType: 'application/pdf', data: Buffer.from(PDF_BYTES).toString('base64') } }],
  },
  // the inbox (routes/inbox.ts): the fake knows staff subjects nurse-1 and nurse-2
  assignConversation: { assignee: 'nurse-1' },
  setConversationState: { status: 'pending' },
  addNote: { body: 'Role matrix: call back after 3pm' },
  setRoutingRules: { enabled: false, defaultTeamId: null, greeting: '', menu: [], keywords: [], teamSlas: [] },
  // the tenant's policies (scheduling's reminders, records' release)
  setReminderPolicy: {
    stages: [{ name: '24h', minutesBefore: 1440, templates: { es: 'recordatorio_cita' } }],
    quietStart: '',
    quietEnd: '',
    minLeadMinutes: 60,
    noShowAfterMinutes: 60,
    videoLinkTemplate: '',
    defaultLanguage: 'es',
  },
  setReleasePolicy: { allowDocumentInChat: false },
  // retention and erasure (issue 7): the erase route takes a conversation of its own (eraseConversationId)
  erasePatientMessagingData: { reason: 'Role matrix: patient asked to be forgotten' },
  setRetentionPolicy: { closedConversationDays: 365 },
  // appointments and the calendar set-up (scheduling): `{clinic}`, `{clinician}`, `{type}`, `{site}`
  // are the fake's set-up ids; the booking's idempotency key makes every allowed role's booking
  // the same one (otherwise the second would be slot_taken)
  putSite: { name: 'Central', timeZone: 'Europe/Madrid' },
  putClinic: { siteId: '{site}', name: 'Cardiology' },
  putClinician: { clinicId: '{clinic}', displayName: 'Dr Matrix' },
  putWorkingHours: { hours: [1, 2, 3, 4, 5, 6, 7].map((weekday) => ({ weekday, start: '00:00', end: '23:59' })), exceptions: [] },
  putAppointmentType: { name: 'Follow-up', mode: 'in_person', durationMinutes: 30 },
  bookAppointment: {
    clinicianId: '{clinician}',
    appointmentTypeId: '{type}',
    startsAt: '2031-01-06T09:00:00+01:00',
    patient: { waId: '34600000009' },
    idempotencyKey: 'role-matrix',
  },
  rescheduleAppointment: { startsAt: '2031-01-06T11:00:00Z' },
  cancelAppointment: {},
  markAppointmentAttendance: { outcome: 'attended' },
  importAppointments: {
    appointments: [{ externalId: 'EHR-RM-1', clinicianId: '{clinician}', appointmentTypeId: '{type}', startsAt: '2031-01-07T09:00:00Z', patient: { waId: '34600000009' } }],
  },
};

/** Query strings of routes that need one (a search names one way, a range is required). */
const QUERIES: Record<string, string> = {
  'GET /v1/patients': '?familyName=Matrix',
  'GET /v1/availability': '?appointmentTypeId={type}&clinicId={clinic}&from=2031-01-06T00:00:00Z&to=2031-01-07T00:00:00Z',
  'GET /v1/appointments': '?from=2031-01-01T00:00:00Z&to=2031-01-31T00:00:00Z',
  'GET /v1/reports/no-shows': '?from=2031-01-01T00:00:00Z&to=2031-02-01T00:00:00Z&groupBy=day',
};

/**
 * WebSocket routes: a plain request that passes authentication and the permission is answered 426
 * (upgrade required); what the socket serves is tested in routes/stream.test.ts.
 */
const UPGRADE_ROUTES = new Set(['GET /v1/stream']);

/** A multipart/form-data body for the upload route (`{ multipart: true }` above). */
function multipartBody(): { payload: Buffer; headers: Record<string, string> } {
  const boundary = 'role-matrix-boundary';
  const payload = Buffer.concat([
    Buffer.from(`--${boundary}\r\ncontent-disposition: form-data; name="title"\r\n\r\nBlood panel\r\n`),
    Buffer.from(`--${boundary}\r\ncontent-disposition: form-data; name="file"; filename="panel.pdf"\r\ncontent-type: application/pdf\r\n\r\n`),
    Buffer.from(PDF_BYTES),
    Buffer.from(`\r\n--${boundary}--\r\n`),
  ]);
  return { payload, headers: { 'content-type': `multipart/form-data; boundary=${boundary}` } };
}

interface Cell {
  route: string;
  method: string;
  path: string;
  operationId: string;
  access: 'public' | 'authenticated' | Permission;
  hasBody: boolean;
}

let auth: TestAuth;
let fake: FakeMessaging;
let fakeAudit: FakeAudit;
let fakeGateway: FakeGateway;
let fakeDirectory: FakeDirectory;
let fakeRecords: FakeRecords;
let fakeScheduling: FakeScheduling;
/** Path parameter values of the records routes. */
const recordIds = { patient: '', document: '', share: '' };
/** Path parameter values of the admin routes (the others take the conversation's id). */
const adminIds = { phoneNumberId: '106540352242922', team: '', staff: '' };
/** The fake scheduling's set-up, and one appointment per changing route (a cancelled one cannot be marked attended). */
const schedulingIds = { site: '', clinic: '', clinician: '', type: '', appointment: '', cancel: '', attendance: '' };

/** Puts the fake scheduling's ids into a body or URL template. */
function withSchedulingIds(text: string): string {
  return text
    .replaceAll('{site}', schedulingIds.site)
    .replaceAll('{clinic}', schedulingIds.clinic)
    .replaceAll('{clinician}', schedulingIds.clinician)
    .replaceAll('{type}', schedulingIds.type);
}
let app: TestApp;
let conversation: Conversation;
let cells: Cell[];

/** A stored media message of the conversation (the media download route). */
let mediaMessageId = '';
/** Another patient's conversation for the erase route: erasing the matrix's would 404 every later cell. */
let eraseConversationId = '';

function isPermission(value: string): value is Permission {
  return Object.hasOwn(PERMISSIONS, value);
}

beforeAll(async () => {
  auth = await createTestAuth();
  fake = createFakeMessaging();
  conversation = fake.add(sampleConversation({ tenantId: auth.tenantId, restricted: true }));
  const media = sampleMessage({
    conversationId: conversation.id,
    content: {
      $case: 'media',
      value: { kind: MessageMediaKind.MESSAGE_MEDIA_KIND_IMAGE, mimeType: 'image/jpeg', caption: '', filename: '', mediaRef: 'm', state: MessageMediaState.MESSAGE_MEDIA_STATE_STORED, sizeBytes: 3 },
    },
  });
  mediaMessageId = media.id;
  fake.add(conversation, [sampleMessage({ conversationId: conversation.id }), media]);
  fake.addMedia(media.id, { content: Buffer.from([0xff, 0xd8, 0xff]), mimeType: 'image/jpeg', filename: '' });
  eraseConversationId = fake.add(sampleConversation({ tenantId: auth.tenantId, patientWaIdHash: 'e'.repeat(64) })).id;
  fakeAudit = createFakeAudit();
  fakeAudit.add(auth.tenantId);
  fakeGateway = createFakeGateway();
  fakeGateway.add({ phoneNumberId: adminIds.phoneNumberId, tenantId: auth.tenantId });
  fakeDirectory = createFakeDirectory();
  fakeDirectory.addTenant(auth.tenantId);
  adminIds.team = fakeDirectory.addTeam(auth.tenantId, 'Cardiology').id;
  adminIds.staff = fakeDirectory.addStaff(auth.tenantId).id;
  fakeRecords = createFakeRecords();
  fakeScheduling = createFakeScheduling();
  recordIds.patient = fakeRecords.addPatient(auth.tenantId).id;
  recordIds.document = fakeRecords.addDocument(auth.tenantId, recordIds.patient).id;
  recordIds.share = fakeRecords.addShare(auth.tenantId, recordIds.document).id;
  await setUpScheduling(auth.tenantId);
  app = await buildTestApp(testConfig(), { verifier: auth.verifier, messaging: fake.client, audit: fakeAudit.client, gateway: fakeGateway.client, directory: fakeDirectory.client, records: fakeRecords.client, scheduling: fakeScheduling.client });
  const response = await app.http.app.inject({ method: 'GET', url: '/openapi.json' });
  const document = documentSchema.parse(response.json());
  cells = [];
  for (const [path, item] of Object.entries(document.paths)) {
    for (const method of METHODS) {
      const operation = item[method];
      if (operation === undefined) continue;
      const security = operation.security ?? document.security ?? [];
      const permission = operation['x-careline-permission'];
      if (permission !== undefined && !isPermission(permission)) throw new Error(`${path}: unknown permission ${permission}`);
      cells.push({
        route: `${method.toUpperCase()} ${path}`,
        method: method.toUpperCase(),
        path,
        operationId: operation.operationId,
        access: permission ?? (security.length === 0 ? 'public' : 'authenticated'),
        hasBody: operation.requestBody !== undefined,
      });
    }
  }
});

afterAll(() => app.close());

async function setUpScheduling(tenantId: string): Promise<void> {
  const caller = { tenantId, actor: 'user:role-matrix-setup', roles: ['front_desk'] };
  const client = fakeScheduling.client;
  schedulingIds.site = (await client.upsertSite(caller, { site: { id: '', name: 'Central', timeZone: 'UTC' } })).site!.id;
  schedulingIds.clinic = (await client.upsertClinic(caller, { clinic: { id: '', siteId: schedulingIds.site, name: 'Cardiology' } })).clinic!.id;
  schedulingIds.clinician = (await client.upsertClinician(caller, { clinician: { id: '', clinicId: schedulingIds.clinic, displayName: 'Dr Matrix' } })).clinician!.id;
  schedulingIds.type = (await client.upsertAppointmentType(caller, { appointmentType: { id: '', name: 'Visit', mode: AppointmentMode.APPOINTMENT_MODE_IN_PERSON, durationMinutes: 30 } })).appointmentType!.id;
  await client.setWorkingHours(caller, { clinicianId: schedulingIds.clinician, hours: [1, 2, 3, 4, 5, 6, 7].map((weekday) => ({ weekday, startTime: '00:00', endTime: '23:59' })), exceptions: [] });
  const book = async (startsAt: string) =>
    (await client.book(caller, { clinicianId: schedulingIds.clinician, appointmentTypeId: schedulingIds.type, startsAt: new Date(startsAt), patient: { patientId: '', waId: '34600000009', languageCode: '', displayName: '', phoneNumberId: '' }, idempotencyKey: '' })).appointment!.id;
  schedulingIds.appointment = await book('2031-01-08T09:00:00Z');
  schedulingIds.cancel = await book('2031-01-08T10:00:00Z');
  schedulingIds.attendance = await book('2031-01-08T11:00:00Z');
  fakeScheduling.calls.length = 0;
}

function urlOf(path: string): string {
  if (path.includes('{phoneNumberId}')) return path.replace('{phoneNumberId}', adminIds.phoneNumberId);
  if (path.startsWith('/v1/admin/teams/')) return path.replace('{id}', adminIds.team);
  if (path.startsWith('/v1/admin/staff/')) return path.replace('{id}', adminIds.staff);
  if (path.startsWith('/v1/patients/') || path.startsWith('/v1/fhir/Patient/')) return path.replace('{id}', recordIds.patient);
  if (path.startsWith('/v1/documents/') || /^\/v1\/fhir\/(DocumentReference|DiagnosticReport)\//.test(path)) return path.replace('{id}', recordIds.document);
  if (path.startsWith('/v1/shares/')) return path.replace('{id}', recordIds.share);
  if (path === '/v1/appointments/{id}/cancel') return path.replace('{id}', schedulingIds.cancel);
  if (path === '/v1/appointments/{id}/attendance') return path.replace('{id}', schedulingIds.attendance);
  if (path.startsWith('/v1/appointments/')) return path.replace('{id}', schedulingIds.appointment);
  if (path.startsWith('/v1/sites/')) return path.replace('{id}', schedulingIds.site);
  if (path.startsWith('/v1/clinics/')) return path.replace('{id}', schedulingIds.clinic);
  if (path.startsWith('/v1/clinicians/')) return path.replace('{id}', schedulingIds.clinician);
  if (path.startsWith('/v1/appointment-types/')) return path.replace('{id}', schedulingIds.type);
  if (path === '/v1/conversations/{id}/erase') return path.replace('{id}', eraseConversationId);
  if (path.includes('{messageId}')) return path.replace('{id}', conversation.id).replace('{messageId}', mediaMessageId);
  // every path parameter of the api is a conversation id today; another would get this id and
  // fail the allowed cells loudly (404), never pass silently
  return path.replace(/\{[A-Za-z0-9_]+\}/g, conversation.id);
}

function allowed(role: Role, access: Cell['access']): boolean {
  if (access === 'public' || access === 'authenticated') return true;
  return PERMISSIONS[access].includes(role);
}

describe('role matrix (every route × every role, from the permission table)', () => {
  it('reads the routes from the OpenAPI document, protected ones included', () => {
    const protectedRoutes = cells.filter((cell) => cell.access !== 'public' && cell.access !== 'authenticated');
    expect(protectedRoutes.length).toBeGreaterThanOrEqual(4);
    expect(cells.map((cell) => cell.route)).toEqual(
      expect.arrayContaining([
        'GET /v1/conversations',
        'POST /v1/conversations/{id}/messages',
        'GET /v1/me',
        'GET /v1/audit/events',
        'GET /v1/audit/verify',
        'GET /v1/audit/export',
        'GET /v1/audit/checkpoints',
        'GET /v1/admin/tenant',
        'PATCH /v1/admin/tenant',
        'POST /v1/admin/channels',
        'PATCH /v1/admin/channels/{phoneNumberId}',
        'POST /v1/admin/staff',
        'PATCH /v1/admin/staff/{id}',
        'GET /v1/admin/reminder-policy',
        'PUT /v1/admin/reminder-policy',
        'GET /v1/admin/release-policy',
        'PUT /v1/admin/release-policy',
        'GET /v1/admin/retention-policy',
        'PUT /v1/admin/retention-policy',
        'POST /v1/conversations/{id}/erase',
        'POST /v1/patients',
        'GET /v1/patients',
        'GET /v1/patients/{id}',
        'PATCH /v1/patients/{id}',
        'POST /v1/patients/{id}/link-contact',
        'GET /v1/patients/{id}/consents',
        'POST /v1/patients/{id}/consents',
        'POST /v1/patients/{id}/documents',
        'GET /v1/patients/{id}/documents',
        'GET /v1/documents/{id}/content',
        'POST /v1/documents/{id}/shares',
        'GET /v1/documents/{id}/shares',
        'POST /v1/shares/{id}/revoke',
        'POST /v1/fhir/Patient',
        'POST /v1/fhir/DocumentReference',
        'GET /v1/fhir/Patient/{id}',
        'GET /v1/fhir/DocumentReference/{id}',
        'GET /v1/fhir/DiagnosticReport/{id}',
        'PUT /v1/sites/{id}',
        'PUT /v1/clinics/{id}',
        'PUT /v1/clinicians/{id}',
        'PUT /v1/clinicians/{id}/working-hours',
        'PUT /v1/appointment-types/{id}',
        'GET /v1/availability',
        'POST /v1/appointments',
        'GET /v1/appointments',
        'GET /v1/appointments/{id}',
        'POST /v1/appointments/{id}/reschedule',
        'POST /v1/appointments/{id}/cancel',
        'POST /v1/appointments/{id}/attendance',
        'POST /v1/appointments/import',
        'GET /v1/reports/no-shows',
      ]),
    );
  });

  it.each(ROLES.map((role) => ({ role })))('$role gets exactly what the permission table grants on every route', async ({ role }) => {
    const token = await auth.mint({ roles: [role] });
    const results: Record<string, { expected: 'allowed' | 'forbidden'; status: number }> = {};
    for (const cell of cells) {
      if (cell.hasBody && !(cell.operationId in EXAMPLE_BODIES)) {
        throw new Error(`no example body for ${cell.operationId}: add one to EXAMPLE_BODIES`);
      }
      const callsBefore = fake.calls.length;
      const auditCallsBefore = fakeAudit.calls.length;
      const adminCallsBefore = fakeGateway.calls.length + fakeDirectory.calls.length;
      const recordsCallsBefore = fakeRecords.calls.length;
      const schedulingCallsBefore = fakeScheduling.calls.length;
      // records routes: the upload is multipart, the search needs a query, a DocumentReference names the patient
      const example = EXAMPLE_BODIES[cell.operationId];
      const multipart = typeof example === 'object' && example !== null && 'multipart' in example ? multipartBody() : undefined;
      const response = await app.http.app.inject({
        method: cell.method as 'GET' | 'POST' | 'PUT' | 'PATCH',
        url: urlOf(cell.path) + withSchedulingIds(QUERIES[cell.route] ?? ''),
        headers: { authorization: `Bearer ${token}`, ...multipart?.headers },
        ...(multipart !== undefined
          ? { payload: multipart.payload }
          : cell.hasBody
            ? { payload: JSON.parse(withSchedulingIds(JSON.stringify(example ?? null).replace('{patient}', recordIds.patient))) as Record<string, unknown> }
            : {}),
      });
      const expected = allowed(role, cell.access) ? 'allowed' : 'forbidden';
      results[cell.route] = { expected, status: response.statusCode };
      if (expected === 'forbidden') {
        expect(response.statusCode, `${role} on ${cell.route}`).toBe(403);
        expect(problemSchema.parse(response.json()), `${role} on ${cell.route}`).toMatchObject({
          code: 'permission_denied',
          details: { permission: cell.access },
        });
        expect(fake.calls.length, `${role} on ${cell.route} must not reach messaging`).toBe(callsBefore);
        expect(fakeAudit.calls.length, `${role} on ${cell.route} must not reach audit`).toBe(auditCallsBefore);
        expect(fakeGateway.calls.length + fakeDirectory.calls.length, `${role} on ${cell.route} must not reach gateway or the directory`).toBe(
          adminCallsBefore,
        );
        expect(fakeRecords.calls.length, `${role} on ${cell.route} must not reach records`).toBe(recordsCallsBefore);
        expect(fakeScheduling.calls.length, `${role} on ${cell.route} must not reach scheduling`).toBe(schedulingCallsBefore);
      } else if (cell.access === 'public') {
        // ops and docs routes: whatever they answer (/readyz may be 503 here), never a refusal
        expect([401, 403], `${role} on ${cell.route}`).not.toContain(response.statusCode);
      } else if (UPGRADE_ROUTES.has(cell.route)) {
        expect(response.statusCode, `${role} on ${cell.route}: ${response.body}`).toBe(426);
      } else {
        expect(response.statusCode, `${role} on ${cell.route}: ${response.body}`).toBeGreaterThanOrEqual(200);
        expect(response.statusCode, `${role} on ${cell.route}: ${response.body}`).toBeLessThan(300);
      }
    }
    // every documented route was tried for this role
    expect(Object.keys(results).sort()).toEqual(cells.map((cell) => cell.route).sort());
  });

});
