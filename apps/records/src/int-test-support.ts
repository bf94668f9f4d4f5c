// Shared set-up of records' integration tests (not shipped: only *.int.test.ts import it). Each
// test file gets a fresh database with a real service role (RLS applies), its own topic prefix on
// the shared broker, the app built in-process exactly as main.ts builds it (clock movable), a
// grpc-js RecordsService client over loopback, and a fake MessagingService gRPC server that
// captures every SendTemplate (the "result ready" notice with the link token, the one-time code)
// as the patient's phone would receive it.
import { randomBytes, randomUUID } from 'node:crypto';
import {
  type Metadata,
  Server,
  type ServiceError,
  ServerCredentials,
  credentials,
  status,
} from '@grpc/grpc-js';
import { type BusKafka, contractTopicSpecs, createKafka, ensureTopics } from '@careline/bus';
import {
  type AuditEventV1,
  MessageState,
  MessagingServiceDefinition,
  type MessagingServiceHandlers,
  type RecordEventV1,
  RecordsServiceClient,
  type CreatePatientRequest,
  type CreatePatientResponse,
  type GetPatientRequest,
  type GetPatientResponse,
  type UpdatePatientRequest,
  type UpdatePatientResponse,
  type SearchPatientsRequest,
  type SearchPatientsResponse,
  type LinkContactRequest,
  type LinkContactResponse,
  type RecordConsentRequest,
  type RecordConsentResponse,
  type ListConsentsRequest,
  type ListConsentsResponse,
  type UploadDocumentRequest,
  type UploadDocumentResponse,
  type ListDocumentsRequest,
  type ListDocumentsResponse,
  type GetDocumentRequest,
  type GetDocumentResponse,
  type ShareDocumentRequest,
  type ShareDocumentResponse,
  type RevokeShareRequest,
  type RevokeShareResponse,
  type ListSharesRequest,
  type ListSharesResponse,
  type ImportFhirResourceRequest,
  type ImportFhirResourceResponse,
  type ExportFhirResourceRequest,
  type ExportFhirResourceResponse,
  type GetReleasePolicyRequest,
  type GetReleasePolicyResponse,
  type SetReleasePolicyRequest,
  type SetReleasePolicyResponse,
  type SendInteractiveRequest,
  type SendTemplateRequest,
  TOPICS,
  auditEvent,
  recordEvent,
} from '@careline/contracts';
import { readTopic } from '@careline/bus/testing';
import { type TestDatabase, createTestDatabase } from '@careline/db/testing';
import { type Caller, callerFromMetadata, loadConfig, metadataForCaller } from '@careline/runtime';
import { type CapturedLogger, captureLogger } from '@careline/runtime/testing';
import { type RecordsApp, PRODUCED_TOPICS, buildApp } from './app';
import { configSchema } from './config';
import { CONSUMED_TOPICS } from './edges/kafka';

export interface SentTemplate {
  request: SendTemplateRequest;
  caller: Caller | undefined;
}

export interface SentInteractive {
  request: SendInteractiveRequest;
  caller: Caller | undefined;
}

export interface FakeMessaging {
  sent: SentTemplate[];
  /** SendInteractive calls (self-service lists). */
  interactive: SentInteractive[];
  /** When set, SendTemplate fails with this status instead. */
  failWith: status | undefined;
  port: number;
  stop(): Promise<void>;
}

const unimplemented = (_call: unknown, callback: (error: Partial<ServiceError>) => void): void =>
  callback({ code: status.UNIMPLEMENTED, details: 'not faked' });

export async function startFakeMessaging(): Promise<FakeMessaging> {
  const server = new Server();
  const fake: FakeMessaging = { sent: [], interactive: [], failWith: undefined, port: 0, stop: () => Promise.resolve() };
  // the conversation every notice goes to: the fake plays one chat per test file
  const conversationId = randomUUID();
  // Every other method answers UNIMPLEMENTED (built from the definition, so new methods need no edit).
  const others = Object.fromEntries(
    Object.keys(MessagingServiceDefinition).map((method) => [method, unimplemented]),
  );
  const sendTemplate: MessagingServiceHandlers['sendTemplate'] = (call, callback) => {
    if (fake.failWith !== undefined) {
      callback({ code: fake.failWith, details: 'fake messaging refuses' });
      return;
    }
    fake.sent.push({ request: call.request, caller: callerFromMetadata(call.metadata) });
    const now = new Date();
    callback(null, {
      message: {
        id: randomUUID(),
        conversationId: randomUUID(),
        direction: 'MESSAGE_DIRECTION_OUTBOUND' as never,
        wamid: '',
        status: { state: MessageState.MESSAGE_STATE_QUEUED, errorCode: '', reason: '', updatedAt: now },
        createdAt: now,
        sentBy: '',
        replyToMessageId: '',
        traceId: '',
        content: undefined,
      },
      conversationId,
      languageCode: call.request.languageCode || 'en_US',
    });
  };
  const sendInteractive: MessagingServiceHandlers['sendInteractive'] = (call, callback) => {
    fake.interactive.push({ request: call.request, caller: callerFromMetadata(call.metadata) });
    callback(null, { message: undefined });
  };
  server.addService(MessagingServiceDefinition, { ...others, sendTemplate, sendInteractive });
  fake.port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (error, port) =>
      error ? reject(error) : resolve(port),
    ),
  );
  fake.stop = () => new Promise<void>((resolve) => server.tryShutdown(() => resolve()));
  return fake;
}

export interface Harness {
  db: TestDatabase;
  app: RecordsApp;
  kafka: BusKafka;
  messaging: FakeMessaging;
  /** The master key records was started with (to seal events as ingest would). */
  masterKey: string;
  topicPrefix: string;
  logs: CapturedLogger;
  client: RecordsServiceClient;
  api: RecordsApi;
  /** http://127.0.0.1:<port> of the release page */
  baseUrl: string;
  now(): Date;
  setNow(date: Date | undefined): void;
  close(): Promise<void>;
}

export async function startHarness(options: { maxAttempts?: number } = {}): Promise<Harness> {
  const brokers = process.env.KAFKA_BROKERS;
  if (brokers === undefined)
    throw new Error('KAFKA_BROKERS is not set: run through vitest with the global setup');
  const db = await createTestDatabase();
  const role = await db.createServiceRole('records');
  const topicPrefix = `t${randomBytes(5).toString('hex')}.`;
  const logs = captureLogger({ name: 'records', level: 'debug' });
  let offsetMs = 0;
  const clock = (): Date => new Date(Date.now() + offsetMs);
  const kafka = createKafka({ brokers: brokers.split(','), clientId: 'records-int-test', topicPrefix });
  await ensureTopics(kafka, contractTopicSpecs({ consumed: CONSUMED_TOPICS, produced: PRODUCED_TOPICS, partitions: 2 }));
  const masterKey = randomBytes(32).toString('base64');
  const messaging = await startFakeMessaging();

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
    MESSAGING_GRPC_URL: `127.0.0.1:${messaging.port}`,
    RELEASE_MAX_ATTEMPTS: String(options.maxAttempts ?? 5),
    LOG_LEVEL: 'debug',
  });
  const app = buildApp(config, {
    logger: logs.logger,
    clock,
    relayPollIntervalMs: 100,
    consumerTuning: { sessionTimeoutMs: 6000, heartbeatIntervalMs: 500, rebalanceTimeoutMs: 6000, maxWaitTimeMs: 100 },
  });
  try {
    await app.lifecycle.start();
  } catch (error) {
    await messaging.stop();
    await db.drop();
    throw error;
  }
  const client = new RecordsServiceClient(`127.0.0.1:${app.grpc.port()}`, credentials.createInsecure());
  return {
    db,
    app,
    kafka,
    messaging,
    masterKey,
    topicPrefix,
    logs,
    client,
    api: recordsApi(client),
    baseUrl: `http://127.0.0.1:${app.http.address()?.port ?? 0}`,
    now: clock,
    setNow(date) {
      offsetMs = date === undefined ? 0 : date.getTime() - Date.now();
    },
    async close() {
      client.close();
      await app.lifecycle.stop();
      await messaging.stop();
      await db.drop();
    },
  };
}

type Callback<Res> = (error: ServiceError | null, response: Res) => void;

function unary<Req, Res>(start: (request: Req, metadata: Metadata, callback: Callback<Res>) => unknown) {
  return (request: Req, metadata: Metadata): Promise<Res> =>
    new Promise((resolve, reject) => {
      start(request, metadata, (error, response) => (error ? reject(error) : resolve(response)));
    });
}

/** RecordsService as promises (request, metadata). */
export function recordsApi(client: RecordsServiceClient) {
  return {
    createPatient: unary<CreatePatientRequest, CreatePatientResponse>((r, m, cb) =>
      client.createPatient(r, m, cb),
    ),
    getPatient: unary<GetPatientRequest, GetPatientResponse>((r, m, cb) => client.getPatient(r, m, cb)),
    updatePatient: unary<UpdatePatientRequest, UpdatePatientResponse>((r, m, cb) =>
      client.updatePatient(r, m, cb),
    ),
    searchPatients: unary<SearchPatientsRequest, SearchPatientsResponse>((r, m, cb) =>
      client.searchPatients(r, m, cb),
    ),
    linkContact: unary<LinkContactRequest, LinkContactResponse>((r, m, cb) => client.linkContact(r, m, cb)),
    recordConsent: unary<RecordConsentRequest, RecordConsentResponse>((r, m, cb) =>
      client.recordConsent(r, m, cb),
    ),
    listConsents: unary<ListConsentsRequest, ListConsentsResponse>((r, m, cb) =>
      client.listConsents(r, m, cb),
    ),
    uploadDocument: unary<UploadDocumentRequest, UploadDocumentResponse>((r, m, cb) =>
      client.uploadDocument(r, m, cb),
    ),
    listDocuments: unary<ListDocumentsRequest, ListDocumentsResponse>((r, m, cb) =>
      client.listDocuments(r, m, cb),
    ),
    getDocument: unary<GetDocumentRequest, GetDocumentResponse>((r, m, cb) => client.getDocument(r, m, cb)),
    shareDocument: unary<ShareDocumentRequest, ShareDocumentResponse>((r, m, cb) =>
      client.shareDocument(r, m, cb),
    ),
    revokeShare: unary<RevokeShareRequest, RevokeShareResponse>((r, m, cb) => client.revokeShare(r, m, cb)),
    listShares: unary<ListSharesRequest, ListSharesResponse>((r, m, cb) => client.listShares(r, m, cb)),
    importFhirResource: unary<ImportFhirResourceRequest, ImportFhirResourceResponse>((r, m, cb) =>
      client.importFhirResource(r, m, cb),
    ),
    exportFhirResource: unary<ExportFhirResourceRequest, ExportFhirResourceResponse>((r, m, cb) =>
      client.exportFhirResource(r, m, cb),
    ),
    getReleasePolicy: unary<GetReleasePolicyRequest, GetReleasePolicyResponse>((r, m, cb) =>
      client.getReleasePolicy(r, m, cb),
    ),
    setReleasePolicy: unary<SetReleasePolicyRequest, SetReleasePolicyResponse>((r, m, cb) =>
      client.setReleasePolicy(r, m, cb),
    ),
  };
}
export type RecordsApi = ReturnType<typeof recordsApi>;

export function staff(tenantId: string, roles: string[] = ['nurse'], actor = 'user:nurse-1'): Metadata {
  return metadataForCaller({ tenantId, actor, roles });
}

/** The link token of the latest "result ready" notice the fake messaging received. */
export function latestLinkToken(messaging: FakeMessaging): string {
  const notice = messaging.sent.filter((s) => s.request.templateName === 'result_ready').at(-1);
  const token = notice?.request.buttons[0]?.value;
  if (token === undefined) throw new Error('no result notice was sent');
  return token;
}

/** The latest one-time code sent, as the patient reads it on WhatsApp. */
export function latestCode(messaging: FakeMessaging): string {
  const otp = messaging.sent.filter((s) => s.request.templateName === 'otp').at(-1);
  const code = otp?.request.parameters[0]?.text;
  if (code === undefined) throw new Error('no one-time code was sent');
  return code;
}

/** A minimal valid PDF carrying `marker` in its text. */
export function pdfWith(marker: string): Buffer {
  return Buffer.from(
    `%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n% ${marker}\ntrailer << /Root 1 0 R >>\n%%EOF\n`,
    'latin1',
  );
}

export async function auditEventsOf(
  kafka: BusKafka,
  tenantId: string,
  until: (events: AuditEventV1[]) => boolean,
): Promise<AuditEventV1[]> {
  const decode = (records: readonly { value: Buffer | null }[]) =>
    records.map((r) => auditEvent.decode(r.value ?? new Uint8Array())).filter((e) => e.tenantId === tenantId);
  return decode(
    await readTopic(kafka, TOPICS.auditEvents, {
      until: (records) => until(decode(records)),
      timeoutMs: 30_000,
    }),
  );
}

export async function recordEventsOf(
  kafka: BusKafka,
  tenantId: string,
  until: (events: { event: RecordEventV1; key: string | null }[]) => boolean,
): Promise<{ event: RecordEventV1; key: string | null }[]> {
  const decode = (records: readonly { value: Buffer | null; key: string | null }[]) =>
    records
      .map((r) => ({ event: recordEvent.decode(r.value ?? new Uint8Array()), key: r.key }))
      .filter((e) => e.event.tenantId === tenantId);
  return decode(
    await readTopic(kafka, TOPICS.recordEvents, {
      until: (records) => until(decode(records)),
      timeoutMs: 30_000,
    }),
  );
}

/** A tiny cookie-keeping HTTP client of the release page, as a patient's browser. */
export function patientBrowser(baseUrl: string) {
  let cookie: string | undefined;
  const request = async (path: string, init: RequestInit = {}) => {
    const response = await fetch(`${baseUrl}${path}`, {
      ...init,
      redirect: 'manual',
      headers: {
        ...(init.headers as Record<string, string> | undefined),
        ...(cookie === undefined ? {} : { cookie }),
      },
    });
    const setCookie = response.headers.get('set-cookie');
    if (setCookie !== null) cookie = setCookie.split(';')[0];
    return response;
  };
  const post = (path: string, form: Record<string, string>) =>
    request(path, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: baseUrl },
      body: new URLSearchParams(form).toString(),
    });
  return { get: (path: string) => request(path), post, forgetCookie: () => (cookie = undefined) };
}
