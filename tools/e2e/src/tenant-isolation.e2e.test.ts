// Hospitals kept apart, shown through real processes: tenant A's conversation (made by a patient
// message) is invisible to tenant B on EVERY api route (read from the OpenAPI document) and on
// EVERY method of EVERY gRPC service (read from the contracts); a call without a tenant is refused
// and every service's role without a tenant reads zero rows of every tenant table; and every table with `tenant_id`
// in every schema of the stack's database has forced row-level security and a policy.
import { randomUUID } from 'node:crypto';
import { Client, Metadata, type ServiceError, credentials, status as GrpcStatus } from '@grpc/grpc-js';
import { ROLES } from '@careline/auth';
import * as contracts from '@careline/contracts';
import { createPool, findTablesWithoutTenantIsolation, serviceDatabaseUrl, withTenant } from '@careline/db';
import { metadataForCaller } from '@careline/runtime';
import { DATABASE_SERVICES, requestJson, serviceRolePassword } from '@careline/stack';
import { testEnv, waitFor } from '@careline/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { type Conversation, type StaffClient, problemCode, staffClient } from './support/api';
import { useStack } from './support/stack';
import { randomWaId } from './support/webhooks';

const stack = useStack('tenant-isolation');

const PATIENT_TEXT = 'Tenant A private symptom';
const PROFILE_NAME = 'Alma Tenant-A';
const METHODS = ['get', 'put', 'post', 'delete', 'patch'] as const;

const documentSchema = z.object({
  paths: z.record(
    z.string(),
    z.partialRecord(z.enum(METHODS), z.object({ operationId: z.string(), requestBody: z.unknown().optional() })),
  ),
});

/** A valid body per operation that takes one; a new one missing here fails the matrix. */
const EXAMPLE_BODIES: Record<string, unknown> = {
  sendText: { text: 'Hello from tenant B', idempotencyKey: 'cross-tenant' },
  setConversationRestriction: { restricted: true },
  breakGlass: { reason: 'emergency_treatment', justification: 'Cross-tenant probe of break-glass' },
  // the inbox (an assignee that does not exist in B either: the conversation is looked up first)
  assignConversation: { assignee: 'cross-tenant-probe' },
  setConversationState: { status: 'closed' },
  addNote: { body: 'Cross-tenant note' },
  // records (patients, documents, shares): A's ids are unknown to B's tenant in records too
  updatePatient: { preferredLanguage: 'es' },
  linkPatientContact: { waIdHash: 'b'.repeat(64) },
  recordPatientConsent: { kind: 'messaging', granted: true, source: 'staff' },
  uploadDocument: { multipart: true },
  shareDocument: { idempotencyKey: 'cross-tenant' },
  // templates and consent
  sendTemplate: { templateName: 'appointment_reminder', languageCode: 'es', parameters: { '1': 'Ana', '2': 'Friday' }, idempotencyKey: 'cross-tenant' },
  setConsent: { state: 'opted_out', source: 'staff' },
  // the tenant's policies (no ids: the GETs are list-route checked, B sees its own defaults)
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
  // erasure (issue 7): B's admin erasing A's conversation is 404, nothing erased (A's messages checked below)
  erasePatientMessagingData: { reason: 'Cross-tenant probe of erasure' },
  setRetentionPolicy: { closedConversationDays: 0 },
  // appointments and the calendar set-up: `{site}`, `{clinic}` are A's ids
  putClinic: { siteId: '{site}', name: 'Cross-tenant clinic' },
  putClinician: { clinicId: '{clinic}', displayName: 'Dr Cross' },
  putWorkingHours: { hours: [{ weekday: 1, start: '09:00', end: '10:00' }], exceptions: [] },
  rescheduleAppointment: { startsAt: '2031-01-06T09:00:00Z' },
  cancelAppointment: {},
  markAppointmentAttendance: { outcome: 'attended' },
  putSite: { name: 'Cross-tenant site', timeZone: 'UTC' },
  putAppointmentType: { name: 'Cross-tenant type', mode: 'in_person', durationMinutes: 15 },
};

/**
 * The calendar set-up PUTs create or replace AT the id given, and scheduling keys every row by
 * (tenant, id): B's PUT of A's id makes B's own thing (200; or 404 when it names a parent B lacks),
 * never touching A's, which is checked after the matrix (A's free slots and appointment unchanged).
 */
const UPSERT_OPERATIONS = new Set(['putSite', 'putClinic', 'putClinician', 'putWorkingHours', 'putAppointmentType']);

/** The names of A's calendar set-up (made below): B's lists must never show them. */
const A_SETUP_NAMES = ['A site', 'A clinic', 'Dr A', 'A type'] as const;

/** Tenant A's calendar and one appointment of A's patient, made through the api. */
const schedulingA = { site: '', clinic: '', clinician: '', type: '', appointment: '', slotsLeft: [] as string[] };
const APPOINTMENT_RANGE = { from: '', to: '' };

function bodyFor(operationId: string): unknown {
  return JSON.parse(JSON.stringify(EXAMPLE_BODIES[operationId] ?? null).replaceAll('{site}', schedulingA.site).replaceAll('{clinic}', schedulingA.clinic));
}

/** A's id of the kind the path names (A's conversation for the conversation routes and any other). */
function idFor(path: string): string {
  if (path.startsWith('/v1/appointments/')) return schedulingA.appointment;
  if (path.startsWith('/v1/sites/')) return schedulingA.site;
  if (path.startsWith('/v1/clinics/')) return schedulingA.clinic;
  if (path.startsWith('/v1/clinicians/')) return schedulingA.clinician;
  if (path.startsWith('/v1/appointment-types/')) return schedulingA.type;
  return conversation.id;
}

/** The not-found code of each route family (default: the conversation's). */
function notFoundCode(path: string): string {
  if (path.startsWith('/v1/patients/') || path.startsWith('/v1/fhir/Patient/')) return 'patient_not_found';
  if (path.startsWith('/v1/documents/') || path.startsWith('/v1/fhir/DocumentReference/') || path.startsWith('/v1/fhir/DiagnosticReport/')) {
    return 'document_not_found';
  }
  if (path.startsWith('/v1/shares/')) return 'share_not_found';
  if (path.startsWith('/v1/appointments/')) return 'appointment_not_found';
  return 'conversation_not_found';
}

/** Query strings list routes need (a patient search names one way of searching). */
const LIST_QUERIES: Record<string, string> = { '/v1/patients': `?familyName=${encodeURIComponent('Tenant-A')}` };

/** The document upload is multipart: a real PDF, so that only the tenant can refuse it. */
async function uploadAs(token: string, url: string) {
  const form = new FormData();
  form.append('title', 'Cross-tenant upload');
  form.append('file', new Blob([Buffer.from('%PDF-1.4\n%%EOF\n', 'latin1')], { type: 'application/pdf' }), 'x.pdf');
  const response = await fetch(url, { method: 'POST', headers: { authorization: `Bearer ${token}` }, body: form });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: JSON.parse(text) as unknown, text };
}

interface Route {
  method: string;
  path: string;
  operationId: string;
  hasBody: boolean;
}

let tenantA: StaffClient;
let tenantB: StaffClient;
let waId: string;
let conversation: Conversation;
let messageIds: string[];
let routes: Route[];

beforeAll(async () => {
  // every role at once: B holds every permission, so a refusal can only be the tenant's doing
  tenantA = await staffClient(stack());
  tenantB = await staffClient(stack(), { tenantId: randomUUID(), roles: [...ROLES] });
  waId = randomWaId();
  await stack().patientSays(waId, PATIENT_TEXT, { profileName: PROFILE_NAME });
  conversation = await waitFor(() => tenantA.conversationWith(waId), {
    message: 'the conversation to be listed for tenant A',
    timeoutMs: 20_000,
  });
  messageIds = (await tenantA.messages(conversation.id)).map((message) => message.id);
  expect(messageIds.length).toBeGreaterThan(0);
  await setUpSchedulingA();

  const document = documentSchema.parse((await requestJson('GET', stack().urls.openapi)).body);
  routes = Object.entries(document.paths).flatMap(([path, item]) =>
    METHODS.flatMap((method) => {
      const operation = item[method];
      return operation === undefined
        ? []
        : [{ method: method.toUpperCase(), path, operationId: operation.operationId, hasBody: operation.requestBody !== undefined }];
    }),
  );
});

/** A's calendar (every day, nearly all day, UTC) and an appointment for A's patient, through the api. */
async function setUpSchedulingA(): Promise<void> {
  const api = `${stack().urls.api}/v1`;
  const headers = { authorization: `Bearer ${await stack().mintToken({ roles: ['front_desk'] })}` };
  const put = async (path: string, body: unknown) => {
    const response = await requestJson('PUT', `${api}${path}`, { headers, body });
    expect(response.status, `${path}: ${response.text}`).toBe(200);
  };
  Object.assign(schedulingA, { site: randomUUID(), clinic: randomUUID(), clinician: randomUUID(), type: randomUUID() });
  await put(`/sites/${schedulingA.site}`, { name: 'A site', timeZone: 'UTC' });
  await put(`/clinics/${schedulingA.clinic}`, { siteId: schedulingA.site, name: 'A clinic' });
  await put(`/clinicians/${schedulingA.clinician}`, { clinicId: schedulingA.clinic, displayName: 'Dr A' });
  await put(`/clinicians/${schedulingA.clinician}/working-hours`, { hours: [1, 2, 3, 4, 5, 6, 7].map((weekday) => ({ weekday, start: '00:00', end: '23:30' })), exceptions: [] });
  await put(`/appointment-types/${schedulingA.type}`, { name: 'A type', mode: 'in_person', durationMinutes: 30 });
  APPOINTMENT_RANGE.from = new Date(Date.now() + 86_400_000).toISOString();
  APPOINTMENT_RANGE.to = new Date(Date.now() + 2 * 86_400_000).toISOString();
  const [slot] = await slotsOfA(headers);
  const booked = await requestJson('POST', `${api}/appointments`, {
    headers,
    body: { clinicianId: schedulingA.clinician, appointmentTypeId: schedulingA.type, startsAt: slot, patient: { waId, displayName: PROFILE_NAME } },
  });
  expect(booked.status, booked.text).toBe(201);
  schedulingA.appointment = z.object({ id: z.string() }).parse(booked.body).id;
  schedulingA.slotsLeft = await slotsOfA(headers);
  const range = `from=${APPOINTMENT_RANGE.from}&to=${APPOINTMENT_RANGE.to}`;
  LIST_QUERIES['/v1/appointments'] = `?${range}`;
  LIST_QUERIES['/v1/reports/no-shows'] = `?${range}`;
}

/** A's free slots in the range (a change of A's site zone or A's type by B would move them). */
async function slotsOfA(headers: Record<string, string>): Promise<string[]> {
  const query = `appointmentTypeId=${schedulingA.type}&clinicId=${schedulingA.clinic}&from=${APPOINTMENT_RANGE.from}&to=${APPOINTMENT_RANGE.to}&limit=5`;
  const response = await requestJson('GET', `${stack().urls.api}/v1/availability?${query}`, { headers });
  expect(response.status, response.text).toBe(200);
  return z.object({ items: z.array(z.object({ startsAt: z.string() })) }).parse(response.body).items.map((slot) => slot.startsAt);
}

/** Nothing of tenant A's patient in a response: not the number, the name, the text or A's ids. */
function expectNothingOfA(body: unknown, what: string): void {
  const text = JSON.stringify(body);
  for (const secret of [waId, PROFILE_NAME, PATIENT_TEXT, ...messageIds]) expect(text, what).not.toContain(secret);
}

describe('cross-tenant matrix through the api', () => {
  it("answers 404 with no data on every route that takes an id, for A's ids with B's token", async () => {
    // Admin routes take ids of their own kinds (numbers, teams, staff): their cross-tenant checks
    // are in onboarding.e2e.test.ts and the api's admin tests.
    const withId = routes.filter((route) => route.path.includes('{') && !route.path.startsWith('/v1/admin/'));
    expect(withId.length).toBeGreaterThanOrEqual(3);
    for (const route of withId) {
      if (route.hasBody && !(route.operationId in EXAMPLE_BODIES)) throw new Error(`no example body for ${route.operationId}`);
      const url = `${stack().urls.api}${route.path.replace(/\{[A-Za-z0-9_]+\}/g, idFor(route.path))}`;
      const response =
        route.operationId === 'uploadDocument'
          ? await uploadAs(tenantB.token, url)
          : await requestJson(route.method, url, {
              headers: { authorization: `Bearer ${tenantB.token}` },
              ...(route.hasBody ? { body: bodyFor(route.operationId) } : {}),
            });
      const what = `${route.method} ${route.path}`;
      if (UPSERT_OPERATIONS.has(route.operationId)) {
        // B's own thing under that id: nothing of A's in the answer, A's unchanged (checked below)
        expect([200, 404], `${what}: ${response.text}`).toContain(response.status);
        expectNothingOfA(response.body, what);
        continue;
      }
      expect(response.status, what).toBe(404);
      expect(problemCode(response), what).toBe(notFoundCode(route.path));
      expectNothingOfA(response.body, what);
    }
    // and nothing was queued to A's patient by B's POST
    const outbound = (await tenantA.messages(conversation.id)).filter((message) => message.direction === 'outbound');
    expect(outbound).toEqual([]);
    // B's set-up under A's ids changed nothing of A's: same free slots (site zone, type length),
    // the appointment still A's patient's
    const headersA = { authorization: `Bearer ${tenantA.token}` };
    expect(await slotsOfA(headersA)).toEqual(schedulingA.slotsLeft);
    const appointment = await requestJson('GET', `${stack().urls.api}/v1/appointments/${schedulingA.appointment}`, { headers: headersA });
    expect(appointment.status, appointment.text).toBe(200);
    expect(appointment.body).toMatchObject({ status: 'booked', patient: { waId } });
  });

  it("answers B's availability search on A's type and clinic ids with nothing of A's", async () => {
    const query = `appointmentTypeId=${schedulingA.type}&clinicId=${schedulingA.clinic}&from=${APPOINTMENT_RANGE.from}&to=${APPOINTMENT_RANGE.to}`;
    const response = await requestJson('GET', `${stack().urls.api}/v1/availability?${query}`, { headers: { authorization: `Bearer ${tenantB.token}` } });
    // B may have made its own type, clinic and clinician under A's ids above (the set-up matrix),
    // with B's own hours: whatever B gets, it is never A's appointment's slot taken away, nor A's data
    expect([200, 404], response.text).toContain(response.status);
    if (response.status === 404) expect(problemCode(response)).toBe('appointment_type_not_found');
    expectNothingOfA(response.body, 'GET /v1/availability');
  });

  it("lists none of A's items on every list route", async () => {
    // (/v1/admin/tenant and /v1/tenant are the caller's hospital, not lists: 404 for B, never onboarded)
    const lists = routes.filter(
      (route) =>
        route.method === 'GET' &&
        route.path.startsWith('/v1/') &&
        !route.path.includes('{') &&
        route.path !== '/v1/admin/tenant' &&
        route.path !== '/v1/tenant' &&
        // a WebSocket, not a list: its isolation is shown in inbox.e2e.test.ts (B's socket receives nothing)
        route.path !== '/v1/stream' &&
        // a search that names a type: checked on its own above
        route.path !== '/v1/availability',
    );
    let listed = 0;
    for (const route of lists) {
      const response = await requestJson('GET', `${stack().urls.api}${route.path}${LIST_QUERIES[route.path] ?? ''}`, {
        headers: { authorization: `Bearer ${tenantB.token}` },
      });
      expect(response.status, route.path).toBe(200);
      const items = z.object({ items: z.array(z.object({ id: z.string() })) }).safeParse(response.body);
      if (!items.success) continue; // not a list (e.g. /v1/me)
      listed += 1;
      expect(items.data.items.map((item) => item.id), route.path).not.toContain(conversation.id);
      expectNothingOfA(response.body, route.path);
      // nor A's calendar set-up: by name, since B's upserts above made B's own things under A's ids
      for (const name of A_SETUP_NAMES) expect(response.text, route.path).not.toContain(JSON.stringify(name));
    }
    expect(listed).toBeGreaterThanOrEqual(1);
    // the set-up lists were among them (B's own, possibly made under A's ids: never A's names)
    for (const path of ['/v1/sites', '/v1/clinics', '/v1/clinicians', '/v1/appointment-types']) {
      expect(lists.map((route) => route.path), path).toContain(path);
    }
    // while A lists its own
    const sitesA = await requestJson('GET', `${stack().urls.api}/v1/sites`, { headers: { authorization: `Bearer ${await stack().mintToken({ roles: ['front_desk'] })}` } });
    expect(sitesA.text).toContain(JSON.stringify('A site'));
    // while A still sees it
    expect((await tenantA.conversations()).map((c) => c.id)).toContain(conversation.id);
  });
});

/**
 * Every gRPC service of every app, read from the contracts (a service added tomorrow is covered
 * the day it is added), and where it listens in the stack. Health is not tenant data.
 */
const SERVICES = [
  { name: 'MessagingService', definition: contracts.MessagingServiceDefinition, url: () => stack().urls.messagingGrpc },
  { name: 'TenantDirectoryService', definition: contracts.TenantDirectoryServiceDefinition, url: () => stack().urls.messagingGrpc },
  { name: 'ChannelService', definition: contracts.ChannelServiceDefinition, url: () => stack().urls.gatewayGrpc },
  { name: 'WabaTemplateService', definition: contracts.WabaTemplateServiceDefinition, url: () => stack().urls.gatewayGrpc },
  { name: 'MediaService', definition: contracts.MediaServiceDefinition, url: () => stack().urls.gatewayGrpc },
  { name: 'SchedulingService', definition: contracts.SchedulingServiceDefinition, url: () => stack().urls.schedulingGrpc },
  { name: 'RecordsService', definition: contracts.RecordsServiceDefinition, url: () => stack().urls.recordsGrpc },
  { name: 'AuditService', definition: contracts.AuditServiceDefinition, url: () => stack().urls.auditGrpc },
] as const;

interface GrpcMethod {
  path: string;
  requestStream: boolean;
  responseStream: boolean;
  requestSerialize: (value: never) => Buffer;
  requestDeserialize: (bytes: Buffer) => unknown;
  responseDeserialize: (bytes: Buffer) => unknown;
}

/** Codes that refuse without answering: the call must not read or change tenant A's data. */
const REFUSALS = new Set([
  GrpcStatus.NOT_FOUND,
  GrpcStatus.INVALID_ARGUMENT,
  GrpcStatus.PERMISSION_DENIED,
  GrpcStatus.FAILED_PRECONDITION,
  GrpcStatus.ALREADY_EXISTS,
]);

describe('cross-tenant matrix on every gRPC method of every service (directly, past the api)', () => {
  const clients = new Map<string, Client>();
  beforeAll(() => {
    for (const service of SERVICES) {
      const url = service.url();
      if (url === undefined) throw new Error(`the stack has no address for ${service.name}`);
      if (!clients.has(url)) clients.set(url, new Client(url, credentials.createInsecure(), { 'grpc.max_receive_message_length': 32 * 1024 * 1024 }));
    }
  });
  afterAll(() => {
    for (const client of clients.values()) client.close();
  });

  it('covers every *ServiceDefinition the contracts export', () => {
    const exported = Object.keys(contracts)
      .filter((name) => name.endsWith('ServiceDefinition') && name !== 'HealthServiceDefinition')
      .map((name) => name.replace(/Definition$/, ''))
      .sort();
    expect(exported).toEqual(SERVICES.map((service) => service.name).sort());
  });

  /**
   * The method's request with every id field naming tenant A's things: its own conversation and
   * message for those, A's tenant id where a request names a tenant (which services must ignore),
   * A's number and account for channel fields, and A's conversation id for any other id (an id
   * that exists, but not as that kind of thing, nor for B).
   */
  function requestFor(method: GrpcMethod): unknown {
    const request = method.requestDeserialize(Buffer.alloc(0)) as Record<string, unknown>;
    for (const [key, value] of Object.entries(request)) {
      if (typeof value !== 'string' || !/Id$/.test(key)) continue;
      request[key] =
        key === 'messageId' ? messageIds[0]
        : key === 'tenantId' ? stack().seed.tenant.id
        : key === 'phoneNumberId' ? stack().seed.whatsapp.phoneNumberId
        : key === 'wabaId' ? stack().seed.whatsapp.wabaId
        : conversation.id;
    }
    return request;
  }

  function namesA(request: unknown): boolean {
    const text = JSON.stringify(request);
    return [conversation.id, stack().seed.whatsapp.phoneNumberId, stack().seed.whatsapp.wabaId].some((id) => text.includes(id));
  }

  function call(client: Client, method: GrpcMethod, request: unknown, metadata: Metadata): Promise<{ error: ServiceError | null; responses: unknown[] }> {
    const serialize = (value: unknown) => method.requestSerialize(value as never);
    if (method.responseStream) {
      return new Promise((resolve) => {
        const responses: unknown[] = [];
        const stream = client.makeServerStreamRequest(method.path, serialize, (bytes: Buffer) => method.responseDeserialize(bytes), request, metadata);
        // a stream that follows live events never ends by itself: what it sent in 2 s is the answer
        const timer = setTimeout(() => stream.cancel(), 2000);
        stream.on('data', (response: unknown) => responses.push(response));
        stream.on('error', (error: ServiceError) => {
          clearTimeout(timer);
          resolve({ error: error.code === GrpcStatus.CANCELLED ? null : error, responses });
        });
        stream.on('end', () => {
          clearTimeout(timer);
          resolve({ error: null, responses });
        });
      });
    }
    return new Promise((resolve) => {
      client.makeUnaryRequest(method.path, serialize, (bytes: Buffer) => method.responseDeserialize(bytes), request, metadata, (error, response) =>
        resolve({ error: error ?? null, responses: response === undefined ? [] : [response] }),
      );
    });
  }

  it("gives tenant B (holding every role) nothing of A's on any method, and refuses every call that names A's ids", async () => {
    const b = metadataForCaller({ tenantId: randomUUID(), actor: 'user:tenant-b', roles: [...ROLES] });
    const answered: string[] = [];
    for (const service of SERVICES) {
      const client = clients.get(service.url()!)!;
      for (const [name, method] of Object.entries(service.definition) as [string, GrpcMethod][]) {
        // (no client-streaming method exists; one added later must get a case here)
        expect(method.requestStream, `${service.name}.${name}`).toBe(false);
        const what = `${service.name}.${name}`;
        const request = requestFor(method);
        const { error, responses } = await call(client, method, request, b);
        for (const response of responses) expectNothingOfA(response, what);
        const read = /^(get|list|query|search|watch|export|verify|fetch|noShow)/.test(name);
        if (error !== null) {
          expect(REFUSALS.has(error.code), `${what}: ${error.code} ${error.details}`).toBe(true);
        } else {
          // answered: only what B may see (checked above). A read may take A's ids as filters and
          // find nothing; a change that names A's ids must never have been made.
          if (!read) expect(namesA(request), `${what} acted on a request naming tenant A's ids`).toBe(false);
          answered.push(what);
        }
        // reads of one of A's things are NOT_FOUND, exactly as an unknown id
        if (/^(get|list|watch|export|fetch)/.test(name) && namesA(request) && error !== null && error.code !== GrpcStatus.PERMISSION_DENIED) {
          expect([GrpcStatus.NOT_FOUND, GrpcStatus.INVALID_ARGUMENT], `${what}: ${error.code} ${error.details}`).toContain(error.code);
        }
      }
    }
    // the tenant-wide lists did answer (B's own, empty of A)
    expect(answered).toEqual(expect.arrayContaining(['MessagingService.listConversations']));
    // and A's conversation is as it was: nothing sent, not restricted
    const after = await tenantA.messages(conversation.id);
    expect(after.filter((message) => message.direction === 'outbound')).toEqual([]);
    expect((await tenantA.getConversation(conversation.id)).status).toBe(200);
  });

  it('answers UNAUTHENTICATED on every tenant-scoped method when the metadata names no tenant', async () => {
    const noTenant = metadataForCaller({ actor: 'user:tenant-less', roles: [...ROLES] });
    for (const service of SERVICES) {
      const client = clients.get(service.url()!)!;
      for (const [name, method] of Object.entries(service.definition) as [string, GrpcMethod][]) {
        const { error, responses } = await call(client, method, requestFor(method), noTenant);
        const what = `${service.name}.${name}`;
        for (const response of responses) expectNothingOfA(response, what);
        // the platform operator's calls (no tenant by design) refuse a non-operator instead
        expect([GrpcStatus.UNAUTHENTICATED, GrpcStatus.PERMISSION_DENIED], `${what}: ${error?.code} ${error?.details}`).toContain(error?.code);
      }
    }
    const listConversations = contracts.MessagingServiceDefinition.listConversations as unknown as GrpcMethod;
    const { error } = await call(clients.get(stack().urls.messagingGrpc)!, listConversations, requestFor(listConversations), new Metadata());
    expect(error?.code, error?.details).toBe(GrpcStatus.UNAUTHENTICATED);
  });

  it("reads zero rows as each service's own role without a tenant in the transaction (RLS), and A's rows with A's", async () => {
    const admin = createPool({ url: stack().database.adminUrl, applicationName: 'e2e-tenant-isolation', max: 1 });
    try {
      for (const schema of DATABASE_SERVICES) {
        const { rows: tables } = await admin.query<{ table: string }>(
          `SELECT c.relname AS table FROM pg_catalog.pg_attribute a
             JOIN pg_catalog.pg_class c ON c.oid = a.attrelid JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = $1 AND a.attname = 'tenant_id' AND NOT a.attisdropped AND c.relkind IN ('r', 'p')`,
          [schema],
        );
        const url = serviceDatabaseUrl(stack().database.adminUrl, schema, serviceRolePassword(testEnv().databaseUrl, schema));
        const pool = createPool({ url, applicationName: 'e2e-tenant-isolation', max: 1 });
        try {
          for (const { table } of tables) {
            const { rows } = await pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${schema}.${table}`);
            expect(rows[0]?.n, `${schema}.${table}`).toBe(0);
          }
          if (schema === 'messaging') {
            const seen = await withTenant(pool, stack().seed.tenant.id, async (client) => {
              const { rows } = await client.query<{ n: number }>('SELECT count(*)::int AS n FROM messaging.conversations WHERE id = $1', [conversation.id]);
              return rows[0]?.n;
            });
            expect(seen).toBe(1);
          }
        } finally {
          await pool.end();
        }
      }
    } finally {
      await admin.end();
    }
  });
});

describe('schema check: every tenant table isolated', () => {
  it('finds no table with tenant_id lacking forced RLS and a policy, in every schema of the database', async () => {
    const pool = createPool({ url: stack().database.adminUrl, applicationName: 'e2e-schema-check', max: 1 });
    try {
      const { rows } = await pool.query<{ schema: string }>(
        `SELECT DISTINCT n.nspname AS schema
           FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
          WHERE c.relkind IN ('r', 'p')
            AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_%'
          ORDER BY 1`,
      );
      const schemas = rows.map((row) => row.schema);
      expect(schemas).toEqual(expect.arrayContaining(['gateway', 'ingest', 'messaging']));
      const { rows: tenantSchemas } = await pool.query<{ schema: string }>(
        `SELECT DISTINCT n.nspname AS schema
           FROM pg_catalog.pg_attribute a
           JOIN pg_catalog.pg_class c ON c.oid = a.attrelid
           JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
          WHERE a.attname = 'tenant_id' AND a.attnum > 0 AND NOT a.attisdropped AND c.relkind IN ('r', 'p')`,
      );
      // every schema holding a tenant_id table is among those checked
      expect(schemas).toEqual(expect.arrayContaining(tenantSchemas.map((row) => row.schema)));
      const gaps: Record<string, unknown> = {};
      for (const schema of schemas) {
        const found = await findTablesWithoutTenantIsolation(pool, schema);
        if (found.length > 0) gaps[schema] = found;
      }
      expect(gaps).toEqual({});
    } finally {
      await pool.end();
    }
  });

  it('does fail on a tenant table without forced RLS (the check is not vacuous)', async () => {
    const pool = createPool({ url: stack().database.adminUrl, applicationName: 'e2e-schema-check', max: 1 });
    try {
      await pool.query('CREATE SCHEMA e2e_probe');
      await pool.query('CREATE TABLE e2e_probe.leaky (id uuid PRIMARY KEY, tenant_id uuid NOT NULL)');
      expect(await findTablesWithoutTenantIsolation(pool, 'e2e_probe')).toEqual([
        { table: 'leaky', problems: ['rls_not_enabled', 'rls_not_forced', 'no_policy'] },
      ]);
    } finally {
      await pool.query('DROP SCHEMA IF EXISTS e2e_probe CASCADE');
      await pool.end();
    }
  });
});
