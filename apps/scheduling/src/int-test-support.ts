// Shared set-up of scheduling's integration tests (not shipped: only *.int.test.ts import it). Each
// test file gets a fresh database with a real service role (RLS applies) and btree_gist created by
// an admin (as the launcher does), its own topic prefix on the shared broker, the app built
// in-process as main.ts builds it (clock loops off: tests move the clock and drive the dispatcher
// and sender), a fake MessagingService on loopback that records every SendTemplate and
// SendInteractive call, a grpc-js client, and a producer playing ingest.
import { randomBytes, randomUUID } from 'node:crypto';
import { type ClientUnaryCall, type Metadata, type ServiceError, credentials } from '@grpc/grpc-js';
import { type BusKafka, type BusProducer, createKafka, createProducer, ensureTopics } from '@careline/bus';
import {
  type BookRequest,
  type BookResponse,
  CancelRequest,
  type CancelResponse,
  EVENT_KEYS,
  GetAppointmentRequest,
  type GetAppointmentResponse,
  ImportAppointmentsRequest,
  type ImportAppointmentsResponse,
  ListClinicsRequest,
  type ListClinicsResponse,
  ListCliniciansRequest,
  type ListCliniciansResponse,
  type ListAppointmentTypesRequest,
  type ListAppointmentTypesResponse,
  type ListSitesRequest,
  type ListSitesResponse,
  MarkAttendanceRequest,
  type MarkAttendanceResponse,
  Message,
  MessagingServiceDefinition,
  type MessagingServiceHandlers,
  NoShowStatsRequest,
  type NoShowStatsResponse,
  type PatientMessageReceivedV1,
  RescheduleRequest,
  type RescheduleResponse,
  SchedulingServiceClient,
  SearchAvailabilityRequest,
  type SearchAvailabilityResponse,
  type SendInteractiveRequest,
  SendInteractiveResponse,
  type SendTemplateRequest,
  SendTemplateResponse,
  SetReminderPolicyRequest,
  type SetReminderPolicyResponse,
  TOPICS,
  WA_ID_HASH_PURPOSE,
  patientMessageReceivedEvent,
  sealContext,
  BookRequest as BookRequestCodec,
  type SetWorkingHoursRequest,
  type SetWorkingHoursResponse,
  type UpsertAppointmentTypeRequest,
  type UpsertAppointmentTypeResponse,
  type UpsertClinicRequest,
  type UpsertClinicResponse,
  type UpsertClinicianRequest,
  type UpsertClinicianResponse,
  type UpsertSiteRequest,
  type UpsertSiteResponse,
} from '@careline/contracts';
import { samplePatientMessageReceived } from '@careline/contracts/testing';
import { type Sealer, createLocalKeyProvider, createSealer } from '@careline/crypto';
import { type TestDatabase, createTestDatabase } from '@careline/db/testing';
import { AppointmentMode, type ReminderPolicy } from '@careline/contracts';
import { type GrpcServer, type Resource, createGrpcServer, grpcService, grpcUnary, loadConfig, metadataForCaller, unavailable } from '@careline/runtime';
import { type CapturedLogger, captureLogger } from '@careline/runtime/testing';
import { type SchedulingApp, buildApp } from './app';
import { configSchema } from './config';
import { schedulingTopicSpecs } from './edges/kafka';

const fastConsumer = { sessionTimeoutMs: 6_000, heartbeatIntervalMs: 500, rebalanceTimeoutMs: 6_000, maxWaitTimeMs: 100 } as const;

export interface FakeMessaging {
  templates: { tenantId: string; request: SendTemplateRequest }[];
  interactive: { tenantId: string; request: SendInteractiveRequest }[];
  /** the next n calls fail with UNAVAILABLE (messaging down) */
  failNext(n: number): void;
  /** the conversation the fake opens per patient number */
  conversationFor(waId: string): string;
  address: string;
  server: GrpcServer;
}

/** A MessagingService that records calls, idempotent by key like the real one. */
export async function startFakeMessaging(logs: CapturedLogger): Promise<FakeMessaging> {
  const templates: FakeMessaging['templates'] = [];
  const interactive: FakeMessaging['interactive'] = [];
  const conversations = new Map<string, string>();
  const messages = new Map<string, string>();
  let failures = 0;
  const conversationFor = (waId: string): string => {
    const existing = conversations.get(waId);
    if (existing !== undefined) return existing;
    const id = randomUUID();
    conversations.set(waId, id);
    return id;
  };
  const messageFor = (tenantId: string, key: string): string => {
    const existing = messages.get(`${tenantId}/${key}`);
    if (existing !== undefined) return existing;
    const id = randomUUID();
    messages.set(`${tenantId}/${key}`, id);
    return id;
  };
  const refuse = (): Promise<never> => Promise.reject(unavailable('not_implemented', 'not in the fake'));
  const options = { logger: logs.logger };
  // Only what scheduling calls; grpc-js answers UNIMPLEMENTED for the rest (messaging's service
  // keeps growing, and the fake should not have to follow).
  const handlers: Partial<MessagingServiceHandlers> = {
    listConversations: grpcUnary(refuse, options),
    sendTemplate: grpcUnary((request, { caller }) => {
      if (failures > 0) {
        failures -= 1;
        return Promise.reject(unavailable('messaging_down', 'the fake is down'));
      }
      const tenantId = caller?.tenantId ?? '';
      templates.push({ tenantId, request });
      const waId = request.recipient?.$case === 'patient' ? request.recipient.value.waId : '';
      return Promise.resolve(
        SendTemplateResponse.fromPartial({
          message: Message.fromPartial({ id: messageFor(tenantId, request.idempotencyKey) }),
          conversationId: conversationFor(waId),
          languageCode: request.languageCode,
        }),
      );
    }, options),
    sendInteractive: grpcUnary((request, { caller }) => {
      if (failures > 0) {
        failures -= 1;
        return Promise.reject(unavailable('messaging_down', 'the fake is down'));
      }
      const tenantId = caller?.tenantId ?? '';
      interactive.push({ tenantId, request });
      return Promise.resolve(SendInteractiveResponse.fromPartial({ message: Message.fromPartial({ id: messageFor(tenantId, request.idempotencyKey) }) }));
    }, options),
  };
  const server = createGrpcServer({ name: 'fake-messaging', host: '127.0.0.1', port: 0, logger: logs.logger, services: [grpcService(MessagingServiceDefinition, handlers as MessagingServiceHandlers)] });
  await server.resource.start();
  return {
    templates,
    interactive,
    failNext: (n) => {
      failures = n;
    },
    conversationFor,
    address: `127.0.0.1:${server.port()}`,
    server,
  };
}

type Unary<Req, Res> = (request: Req, metadata: Metadata, callback: (error: ServiceError | null, response: Res) => void) => ClientUnaryCall;

function unary<Req, Res>(call: Unary<Req, Res>): (request: Req, metadata: Metadata) => Promise<Res> {
  return (request, metadata) =>
    new Promise((resolve, reject) => {
      call(request, metadata, (error, response) => (error ? reject(error) : resolve(response)));
    });
}

export function schedulingClient(address: string) {
  const client = new SchedulingServiceClient(address, credentials.createInsecure());
  return {
    raw: client,
    book: (request: Partial<BookRequest>, md: Metadata) =>
      unary<BookRequest, BookResponse>((r, m, cb) => client.book(r, m, cb))(BookRequestCodec.fromPartial(request), md),
    reschedule: (request: Partial<RescheduleRequest>, md: Metadata) =>
      unary<RescheduleRequest, RescheduleResponse>((r, m, cb) => client.reschedule(r, m, cb))(RescheduleRequest.fromPartial(request), md),
    cancel: (request: Partial<CancelRequest>, md: Metadata) =>
      unary<CancelRequest, CancelResponse>((r, m, cb) => client.cancel(r, m, cb))(CancelRequest.fromPartial(request), md),
    getAppointment: (request: Partial<GetAppointmentRequest>, md: Metadata) =>
      unary<GetAppointmentRequest, GetAppointmentResponse>((r, m, cb) => client.getAppointment(r, m, cb))(GetAppointmentRequest.fromPartial(request), md),
    markAttendance: (request: Partial<MarkAttendanceRequest>, md: Metadata) =>
      unary<MarkAttendanceRequest, MarkAttendanceResponse>((r, m, cb) => client.markAttendance(r, m, cb))(MarkAttendanceRequest.fromPartial(request), md),
    importAppointments: (request: Partial<ImportAppointmentsRequest>, md: Metadata) =>
      unary<ImportAppointmentsRequest, ImportAppointmentsResponse>((r, m, cb) => client.importAppointments(r, m, cb))(ImportAppointmentsRequest.fromPartial(request), md),
    searchAvailability: (request: Partial<SearchAvailabilityRequest>, md: Metadata) =>
      unary<SearchAvailabilityRequest, SearchAvailabilityResponse>((r, m, cb) => client.searchAvailability(r, m, cb))(SearchAvailabilityRequest.fromPartial(request), md),
    setReminderPolicy: (policy: ReminderPolicy, md: Metadata) =>
      unary<SetReminderPolicyRequest, SetReminderPolicyResponse>((r, m, cb) => client.setReminderPolicy(r, m, cb))(SetReminderPolicyRequest.fromPartial({ policy }), md),
    noShowStats: (request: Partial<NoShowStatsRequest>, md: Metadata) =>
      unary<NoShowStatsRequest, NoShowStatsResponse>((r, m, cb) => client.noShowStats(r, m, cb))(NoShowStatsRequest.fromPartial(request), md),
    listSites: (md: Metadata) => unary<ListSitesRequest, ListSitesResponse>((r, m, cb) => client.listSites(r, m, cb))({}, md),
    listClinics: (request: Partial<ListClinicsRequest>, md: Metadata) =>
      unary<ListClinicsRequest, ListClinicsResponse>((r, m, cb) => client.listClinics(r, m, cb))(ListClinicsRequest.fromPartial(request), md),
    listClinicians: (request: Partial<ListCliniciansRequest>, md: Metadata) =>
      unary<ListCliniciansRequest, ListCliniciansResponse>((r, m, cb) => client.listClinicians(r, m, cb))(ListCliniciansRequest.fromPartial(request), md),
    listAppointmentTypes: (md: Metadata) =>
      unary<ListAppointmentTypesRequest, ListAppointmentTypesResponse>((r, m, cb) => client.listAppointmentTypes(r, m, cb))({}, md),
  };
}
export type SchedulingTestClient = ReturnType<typeof schedulingClient>;

/** gRPC metadata of a front-desk member of `tenantId`, as api sets it. */
export function frontDesk(tenantId: string): Metadata {
  return metadataForCaller({ tenantId, actor: 'user:front-desk-1', roles: ['front_desk'] });
}

export interface Harness {
  db: TestDatabase;
  app: SchedulingApp;
  messaging: FakeMessaging;
  client: SchedulingTestClient;
  sealer: Sealer;
  logs: CapturedLogger;
  /** the service role's URL (for extra dispatcher instances) */
  serviceUrl: string;
  /** the test's Kafka client (its topic prefix), for reading what scheduling emitted */
  kafka: BusKafka;
  masterKey: string;
  now(): Date;
  setNow(date: Date): void;
  publishReply(event: PatientMessageReceivedV1): Promise<void>;
  close(): Promise<void>;
}

export async function startHarness(options: { consumer?: boolean } = {}): Promise<Harness> {
  const brokers = process.env.KAFKA_BROKERS;
  if (brokers === undefined) throw new Error('KAFKA_BROKERS is not set: run through vitest with the global setup');
  const db = await createTestDatabase();
  // what tools/stack does as admin: the one thing a service role cannot create itself
  await db.adminPool.query('CREATE EXTENSION IF NOT EXISTS btree_gist');
  const role = await db.createServiceRole('scheduling');
  const topicPrefix = `t${randomBytes(5).toString('hex')}.`;
  const masterKey = randomBytes(32).toString('base64');
  const logs = captureLogger({ name: 'scheduling', level: 'debug' });
  let offsetMs = 0;
  const clock = (): Date => new Date(Date.now() + offsetMs);
  const stops: Resource[] = [];
  const kafka = createKafka({ brokers: brokers.split(','), clientId: 'scheduling-int-test', topicPrefix });
  await ensureTopics(kafka, schedulingTopicSpecs().map((spec) => ({ ...spec, numPartitions: 2 })));
  const messaging = await startFakeMessaging(logs);
  const config = loadConfig(configSchema, {
    HTTP_HOST: '127.0.0.1',
    HTTP_PORT: '0',
    GRPC_HOST: '127.0.0.1',
    GRPC_PORT: '0',
    DATABASE_URL: role.url,
    KAFKA_BROKERS: brokers,
    KAFKA_TOPIC_PREFIX: topicPrefix,
    KAFKA_CREATE_TOPICS: 'false',
    CARELINE_MASTER_KEY: masterKey,
    MESSAGING_GRPC_URL: messaging.address,
    LOG_LEVEL: 'debug',
  });
  const app = buildApp(config, {
    logger: logs.logger,
    clock,
    runClock: false,
    tuning: { ...fastConsumer, backoff: { initialMs: 50, maxMs: 200 }, relayPollIntervalMs: 200, senderBackoffMs: 10 },
  });
  const producer: BusProducer = createProducer(kafka);
  try {
    await app.lifecycle.start();
    if (options.consumer !== false) {
      await producer.start();
      stops.unshift(producer);
    }
  } catch (error) {
    await app.lifecycle.stop();
    await messaging.server.resource.stop();
    await db.drop();
    throw error;
  }
  const client = schedulingClient(`127.0.0.1:${app.grpc.port()}`);
  return {
    db,
    app,
    messaging,
    client,
    sealer: createSealer(createLocalKeyProvider({ masterKey: Buffer.from(masterKey, 'base64') })),
    logs,
    serviceUrl: role.url,
    kafka,
    masterKey,
    now: clock,
    setNow(date) {
      offsetMs = date.getTime() - Date.now();
    },
    async publishReply(event) {
      await producer.publish(patientMessageReceivedEvent, { key: EVENT_KEYS.patientMessageReceived(event), tenantId: event.tenantId, payload: event, source: '/careline/test' });
    },
    async close() {
      client.raw.close();
      for (const resource of stops) await resource.stop();
      await app.lifecycle.stop();
      await messaging.server.resource.stop();
      await db.drop();
    },
  };
}

export interface Clinic {
  tenantId: string;
  siteId: string;
  clinicId: string;
  clinicianIds: string[];
  typeId: string;
  videoTypeId: string;
}

/** A site (UTC unless told), a clinic, clinicians working every day 08:00-18:00, 30-minute types. */
export async function createClinic(harness: Harness, options: { tenantId?: string; clinicians?: number; timeZone?: string } = {}): Promise<Clinic> {
  const tenantId = options.tenantId ?? randomUUID();
  const md = frontDesk(tenantId);
  const raw = harness.client.raw;
  const site = await unary<UpsertSiteRequest, UpsertSiteResponse>((r, m, cb) => raw.upsertSite(r, m, cb))(
    { site: { id: '', name: 'Central', timeZone: options.timeZone ?? 'UTC' } },
    md,
  );
  const clinic = await unary<UpsertClinicRequest, UpsertClinicResponse>((r, m, cb) => raw.upsertClinic(r, m, cb))(
    { clinic: { id: '', siteId: site.site!.id, name: 'Cardiology' } },
    md,
  );
  const clinicianIds: string[] = [];
  for (let i = 0; i < (options.clinicians ?? 1); i += 1) {
    const clinician = await unary<UpsertClinicianRequest, UpsertClinicianResponse>((r, m, cb) => raw.upsertClinician(r, m, cb))(
      { clinician: { id: '', clinicId: clinic.clinic!.id, displayName: `Dr Example ${i + 1}` } },
      md,
    );
    await unary<SetWorkingHoursRequest, SetWorkingHoursResponse>((r, m, cb) => raw.setWorkingHours(r, m, cb))(
      {
        clinicianId: clinician.clinician!.id,
        hours: [1, 2, 3, 4, 5, 6, 7].map((weekday) => ({ weekday, startTime: '08:00', endTime: '18:00' })),
        exceptions: [],
      },
      md,
    );
    clinicianIds.push(clinician.clinician!.id);
  }
  const upsertType = unary<UpsertAppointmentTypeRequest, UpsertAppointmentTypeResponse>((r, m, cb) => raw.upsertAppointmentType(r, m, cb));
  const type = await upsertType({ appointmentType: { id: '', name: 'Follow-up', mode: AppointmentMode.APPOINTMENT_MODE_IN_PERSON, durationMinutes: 30 } }, md);
  const video = await upsertType({ appointmentType: { id: '', name: 'Video follow-up', mode: AppointmentMode.APPOINTMENT_MODE_VIDEO, durationMinutes: 30 } }, md);
  return { tenantId, siteId: site.site!.id, clinicId: clinic.clinic!.id, clinicianIds, typeId: type.appointmentType!.id, videoTypeId: video.appointmentType!.id };
}

/** `days` days from now at hh:mm UTC. */
export function dayAt(now: Date, days: number, hour: number, minute = 0): Date {
  const date = new Date(now.getTime() + days * 86_400_000);
  date.setUTCHours(hour, minute, 0, 0);
  return date;
}

/** A random patient number. */
export function randomWaId(): string {
  return `54${String(Math.floor(Math.random() * 1e10)).padStart(10, '0')}`;
}

/** The patient tapping a template quick-reply (or list row) as ingest emits it. */
export async function patientTap(
  sealer: Sealer,
  tenantId: string,
  waId: string,
  reply: { kind: 'template'; payload: string } | { kind: 'list'; rowId: string } | { kind: 'button'; buttonId: string },
): Promise<PatientMessageReceivedV1> {
  const messageId = randomUUID();
  const context = sealContext(TOPICS.patientMessageReceived, messageId);
  const title = await sealer.seal(tenantId, 'label', context);
  return samplePatientMessageReceived({
    tenantId,
    messageId,
    wamid: `wamid.${randomBytes(12).toString('hex')}`,
    waId: await sealer.seal(tenantId, waId, context),
    waIdHash: await sealer.blindIndex(tenantId, WA_ID_HASH_PURPOSE, waId),
    patientId: '',
    profileName: undefined,
    context: undefined,
    content:
      reply.kind === 'template'
        ? { $case: 'templateButtonReply', value: { payload: reply.payload, text: title } }
        : reply.kind === 'list'
          ? { $case: 'listReply', value: { rowId: reply.rowId, title, description: undefined } }
          : { $case: 'buttonReply', value: { buttonId: reply.buttonId, title } },
  });
}

/** Polls until `check` returns a value (or throws after the timeout). */
export async function eventually<T>(check: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
