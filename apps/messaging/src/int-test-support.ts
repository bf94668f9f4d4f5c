// Shared set-up of messaging's integration tests (not shipped: only *.int.test.ts import it). Each
// test file gets a fresh database with a real service role (RLS applies), its own topic prefix
// and consumer groups on the shared broker, the app built in-process exactly as main.ts builds it,
// a grpc-js client over loopback, a producer playing ingest and the gateway, and a consumer
// playing the gateway that collects the send commands messaging emits.
import { randomBytes, randomUUID } from 'node:crypto';
import { type Metadata, type ServiceError, credentials } from '@grpc/grpc-js';
import {
  type BusKafka,
  type BusProducer,
  type EventDescriptor,
  type MessageContext,
  createKafka,
  createProducer,
  createStatelessConsumer,
  defineHandler,
  ensureTopics,
} from '@careline/bus';
import {
  BreakGlassReason,
  type BreakGlassRequest,
  type BreakGlassResponse,
  EVENT_KEYS,
  type ErasePatientRequest,
  type ErasePatientResponse,
  type GetRetentionPolicyResponse,
  type SetRetentionPolicyRequest,
  type SetRetentionPolicyResponse,
  type GetConversationRequest,
  type GetConversationResponse,
  type ListConversationsRequest,
  type ListConversationsResponse,
  type ListMessagesRequest,
  type ListMessagesResponse,
  MessagingServiceClient,
  type OutboundRequestedV1,
  type PatientMessageReceivedV1,
  type SendTextRequest,
  type SetConversationRestrictionRequest,
  type SetConversationRestrictionResponse,
  type SendTextResponse,
  WA_ID_HASH_PURPOSE,
  outboundRequestedEvent,
  patientMessageReceivedEvent,
  sealContext,
  TOPICS,
} from '@careline/contracts';
import { samplePatientMessageReceived } from '@careline/contracts/testing';
import { type Sealer, createLocalKeyProvider, createSealer } from '@careline/crypto';
import { type TestDatabase, createTestDatabase } from '@careline/db/testing';
import { type Resource, loadConfig, metadataForCaller } from '@careline/runtime';
import { type CapturedLogger, captureLogger } from '@careline/runtime/testing';
import { type MessagingApp, type MessagingDeps, buildApp } from './app';
import { configSchema } from './config';
import { messagingTopicSpecs } from './edges/kafka';
import { type TemplateSource } from './use-cases';

export const HOSPITAL_NUMBER = '106540352242922';

/** Consumer timings that keep a test file in seconds. */
const fastConsumer = { sessionTimeoutMs: 6_000, heartbeatIntervalMs: 500, rebalanceTimeoutMs: 6_000, maxWaitTimeMs: 100 } as const;

export interface SentCommand {
  payload: OutboundRequestedV1;
  key: string | null;
  tenantId: string;
}

export interface MessagingClient {
  listConversations(request: Partial<ListConversationsRequest>, metadata: Metadata): Promise<ListConversationsResponse>;
  getConversation(request: Partial<GetConversationRequest>, metadata: Metadata): Promise<GetConversationResponse>;
  listMessages(request: Partial<ListMessagesRequest>, metadata: Metadata): Promise<ListMessagesResponse>;
  sendText(request: Partial<SendTextRequest>, metadata: Metadata): Promise<SendTextResponse>;
  setConversationRestriction(
    request: Partial<SetConversationRestrictionRequest>,
    metadata: Metadata,
  ): Promise<SetConversationRestrictionResponse>;
  breakGlass(request: Partial<BreakGlassRequest>, metadata: Metadata): Promise<BreakGlassResponse>;
  erasePatient(request: Partial<ErasePatientRequest>, metadata: Metadata): Promise<ErasePatientResponse>;
  getRetentionPolicy(metadata: Metadata): Promise<GetRetentionPolicyResponse>;
  setRetentionPolicy(request: SetRetentionPolicyRequest, metadata: Metadata): Promise<SetRetentionPolicyResponse>;
}

export interface Harness {
  db: TestDatabase;
  app: MessagingApp;
  kafka: BusKafka;
  /** The sealer ingest and the gateway would use (same master key as the app). */
  sealer: Sealer;
  /** The app's master key (erasure tests build their own patient-key reader from it). */
  masterKey: Uint8Array;
  logs: CapturedLogger;
  client: MessagingClient;
  /** Send commands seen on wa.outbound.requested.v1 so far. */
  commands: SentCommand[];
  /** The app's clock: real time, shifted by setNow (undefined goes back to real time). */
  now(): Date;
  setNow(date: Date | undefined): void;
  publish<T>(descriptor: EventDescriptor<T>, key: string, tenantId: string, payload: T): Promise<void>;
  close(): Promise<void>;
}

/** `templateSource`: plays the gateway's WabaTemplateService (templates tests). */
export async function startHarness(
  options: {
    templateSource?: TemplateSource;
    /** media tests: the (fake) gateway's gRPC address, and the media fetch job's timings */
    gatewayGrpcUrl?: string;
    mediaFetch?: MessagingDeps['mediaFetch'];
    retention?: MessagingDeps['retention'];
  } = {},
): Promise<Harness> {
  const brokers = process.env.KAFKA_BROKERS;
  if (brokers === undefined) throw new Error('KAFKA_BROKERS is not set: run through vitest with the global setup');
  const db = await createTestDatabase();
  const role = await db.createServiceRole('messaging');
  const topicPrefix = `t${randomBytes(5).toString('hex')}.`;
  const masterKey = randomBytes(32).toString('base64');
  const logs = captureLogger({ name: 'messaging', level: 'debug' });
  let offsetMs = 0;
  const clock = (): Date => new Date(Date.now() + offsetMs);
  const stops: Resource[] = [];

  const kafka = createKafka({ brokers: brokers.split(','), clientId: 'messaging-int-test', topicPrefix });
  // Few partitions: every test file makes its own topics on the shared broker.
  // (The .dlq of the send topic is the gateway's, played here too.)
  await ensureTopics(kafka, messagingTopicSpecs().map((spec) => ({ ...spec, numPartitions: 2, dlq: true })));

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
    LOG_LEVEL: 'debug',
    ...(options.gatewayGrpcUrl === undefined ? {} : { GATEWAY_GRPC_URL: options.gatewayGrpcUrl }),
  });
  const app = buildApp(config, {
    logger: logs.logger,
    clock,
    tuning: { ...fastConsumer, backoff: { initialMs: 50, maxMs: 200 }, relayPollIntervalMs: 200 },
    ...(options.templateSource === undefined ? {} : { templateSource: options.templateSource }),
    ...(options.mediaFetch === undefined ? {} : { mediaFetch: options.mediaFetch }),
    // the app's retention job waits an hour unless a test says otherwise: tests run passes themselves
    retention: options.retention ?? { pollIntervalMs: 3_600_000 },
  });

  const producer: BusProducer = createProducer(kafka);
  const commands: SentCommand[] = [];
  const gateway = createStatelessConsumer({
    kafka,
    groupId: `gateway-${randomUUID()}`,
    ...fastConsumer,
    handlers: [
      defineHandler<OutboundRequestedV1, MessageContext>(outboundRequestedEvent, (payload, ctx) => {
        commands.push({ payload, key: ctx.key, tenantId: ctx.tenantId });
        return Promise.resolve();
      }),
    ],
  });
  try {
    await app.lifecycle.start();
    for (const resource of [producer, gateway]) {
      await resource.start();
      stops.unshift(resource);
    }
  } catch (error) {
    await app.lifecycle.stop();
    for (const resource of stops) await resource.stop();
    await db.drop();
    throw error;
  }
  const client = new MessagingServiceClient(`127.0.0.1:${app.grpc.port()}`, credentials.createInsecure());

  return {
    db,
    app,
    kafka,
    sealer: createSealer(createLocalKeyProvider({ masterKey: Buffer.from(masterKey, 'base64') })),
    masterKey: Buffer.from(masterKey, 'base64'),
    logs,
    client: promisified(client),
    commands,
    now: clock,
    setNow(date) {
      offsetMs = date === undefined ? 0 : date.getTime() - Date.now();
    },
    async publish(descriptor, key, tenantId, payload) {
      await producer.publish(descriptor, { key, tenantId, payload, source: '/careline/test' });
    },
    async close() {
      client.close();
      for (const resource of stops) await resource.stop();
      await app.lifecycle.stop();
      await db.drop();
    },
  };
}

function unary<Req, Res>(
  call: (request: Req, metadata: Metadata, callback: (error: ServiceError | null, response?: Res) => void) => unknown,
): (request: Req, metadata: Metadata) => Promise<Res> {
  return (request, metadata) =>
    new Promise((resolve, reject) => {
      call(request, metadata, (error, response) => {
        if (error) reject(error);
        else if (response === undefined) reject(new Error('empty response'));
        else resolve(response);
      });
    });
}

function promisified(client: MessagingServiceClient): MessagingClient {
  return {
    listConversations: (request, metadata) =>
      unary<ListConversationsRequest, ListConversationsResponse>((r, m, cb) => client.listConversations(r, m, cb))(
        { pageSize: 0, pageToken: '', ...request },
        metadata,
      ),
    getConversation: (request, metadata) =>
      unary<GetConversationRequest, GetConversationResponse>((r, m, cb) => client.getConversation(r, m, cb))(
        { conversationId: '', ...request },
        metadata,
      ),
    listMessages: (request, metadata) =>
      unary<ListMessagesRequest, ListMessagesResponse>((r, m, cb) => client.listMessages(r, m, cb))(
        { conversationId: '', pageSize: 0, pageToken: '', ...request },
        metadata,
      ),
    sendText: (request, metadata) =>
      unary<SendTextRequest, SendTextResponse>((r, m, cb) => client.sendText(r, m, cb))(
        { conversationId: '', text: '', idempotencyKey: '', replyToMessageId: '', ...request },
        metadata,
      ),
    setConversationRestriction: (request, metadata) =>
      unary<SetConversationRestrictionRequest, SetConversationRestrictionResponse>((r, m, cb) =>
        client.setConversationRestriction(r, m, cb),
      )({ conversationId: '', restricted: false, ...request }, metadata),
    breakGlass: (request, metadata) =>
      unary<BreakGlassRequest, BreakGlassResponse>((r, m, cb) => client.breakGlass(r, m, cb))(
        { conversationId: '', reason: BreakGlassReason.BREAK_GLASS_REASON_UNSPECIFIED, justification: '', durationMinutes: 0, ...request },
        metadata,
      ),
    erasePatient: (request, metadata) =>
      unary<ErasePatientRequest, ErasePatientResponse>((r, m, cb) => client.erasePatient(r, m, cb))(
        { conversationId: '', reason: '', ...request },
        metadata,
      ),
    getRetentionPolicy: (metadata) =>
      unary<Record<string, never>, GetRetentionPolicyResponse>((r, m, cb) => client.getRetentionPolicy(r, m, cb))({}, metadata),
    setRetentionPolicy: (request, metadata) =>
      unary<SetRetentionPolicyRequest, SetRetentionPolicyResponse>((r, m, cb) => client.setRetentionPolicy(r, m, cb))(request, metadata),
  };
}

/** gRPC metadata of a nurse of `tenantId`, as api sets it. */
export function nurse(tenantId: string): Metadata {
  return metadataForCaller({ tenantId, actor: 'user:nurse-1', roles: ['nurse'] });
}

export interface PatientMessage {
  tenantId: string;
  waId: string;
  text: string;
  sentAt: Date;
  profileName?: string;
  messageId?: string;
  wamid?: string;
}

/** A text message as ingest emits it: PHI sealed for the topic, the wa_id's keyed hash, a fresh wamid. */
export async function patientText(sealer: Sealer, message: PatientMessage): Promise<PatientMessageReceivedV1> {
  const messageId = message.messageId ?? randomUUID();
  const context = sealContext(TOPICS.patientMessageReceived, messageId);
  return samplePatientMessageReceived({
    tenantId: message.tenantId,
    messageId,
    wamid: message.wamid ?? `wamid.${randomBytes(12).toString('hex')}`,
    phoneNumberId: HOSPITAL_NUMBER,
    waId: await sealer.seal(message.tenantId, message.waId, context),
    waIdHash: await sealer.blindIndex(message.tenantId, WA_ID_HASH_PURPOSE, message.waId),
    patientId: '',
    sentAt: message.sentAt,
    receivedAt: message.sentAt,
    profileName: message.profileName === undefined ? undefined : await sealer.seal(message.tenantId, message.profileName, context),
    context: undefined,
    content: { $case: 'text', value: { body: await sealer.seal(message.tenantId, message.text, context) } },
  });
}

export async function publishPatientText(harness: Harness, message: PatientMessage): Promise<PatientMessageReceivedV1> {
  const event = await patientText(harness.sealer, message);
  await harness.publish(patientMessageReceivedEvent, EVENT_KEYS.patientMessageReceived(event), event.tenantId, event);
  return event;
}

/** A random patient number (digits, international format without "+"). */
export function randomWaId(): string {
  return `49${String(Math.floor(Math.random() * 1e10)).padStart(10, '0')}`;
}
