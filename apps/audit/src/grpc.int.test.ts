// AuditService over real gRPC (loopback) against the real Postgres and Kafka: the tenant comes
// only from metadata, only `audit:read` roles get in, another tenant's chain is never visible,
// export streams FHIR AuditEvent NDJSON, and every query and export is itself chained.
import { randomUUID } from 'node:crypto';
import { parseSigningKey } from '@careline/audit-chain';
import { type BusProducer, createKafka, createProducer, ensureTopics } from '@careline/bus';
import {
  AuditServiceClient,
  type ListCheckpointsResponse,
  type QueryEventsRequest,
  type QueryEventsResponse,
  TOPICS,
  type VerifyChainResponse,
} from '@careline/contracts';
import { type TestDatabase, createTestDatabase } from '@careline/db/testing';
import { type Caller, loadConfig, metadataForCaller } from '@careline/runtime';
import { captureLogger } from '@careline/runtime/testing';
import { testEnv, uniqueName, waitFor } from '@careline/testing';
import { type Metadata, type ServiceError, credentials, status as GrpcStatus } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type App, buildApp } from './app';
import { configSchema } from './config';
import { auditEventOf, ed25519Pem, fastConsumer, publishAudit } from './test/harness';

let db: TestDatabase;
let app: App;
let producer: BusProducer;
let client: AuditServiceClient;
let keys: { privatePem: string; publicPem: string };

beforeAll(async () => {
  const env = testEnv();
  db = await createTestDatabase(env.databaseUrl);
  const role = await db.createServiceRole('audit');
  const prefix = `${uniqueName('auditgrpc')}.`;
  keys = ed25519Pem();
  const kafka = createKafka({ brokers: env.kafkaBrokers.split(','), clientId: 'audit-grpc-test', topicPrefix: prefix });
  await ensureTopics(kafka, [{ topic: TOPICS.auditEvents, numPartitions: 2, dlq: true }]);
  producer = createProducer(kafka);
  await producer.start();
  const config = loadConfig(configSchema, {
    DATABASE_URL: role.url,
    KAFKA_BROKERS: env.kafkaBrokers,
    KAFKA_TOPIC_PREFIX: prefix,
    KAFKA_CREATE_TOPICS: 'false',
    AUDIT_SIGNING_KEY: keys.privatePem,
    AUDIT_CHECKPOINT_EVERY: '3',
    AUDIT_CHECKPOINT_INTERVAL: '1h',
    HTTP_HOST: '127.0.0.1',
    HTTP_PORT: '0',
    GRPC_HOST: '127.0.0.1',
    GRPC_PORT: '0',
  });
  app = buildApp(config, { logger: captureLogger({ name: 'audit', level: 'warn' }).logger, consumer: fastConsumer });
  await app.lifecycle.start();
  client = new AuditServiceClient(`127.0.0.1:${app.grpc.port()}`, credentials.createInsecure());
});

afterAll(async () => {
  client?.close();
  await app?.lifecycle.stop();
  await producer?.stop();
  await db?.drop();
});

const auditor = (tenantId: string | undefined, roles: string[] = ['auditor']): Caller =>
  tenantId === undefined ? { actor: 'user:auditor-1', roles } : { tenantId, actor: 'user:auditor-1', roles };

function query(caller: Caller, request: Partial<QueryEventsRequest> = {}): Promise<QueryEventsResponse> {
  const full: QueryEventsRequest = {
    patientId: '',
    patientWaIdHash: '',
    actorId: '',
    action: '',
    pageSize: 0,
    pageToken: '',
    ...request,
  };
  return new Promise((resolve, reject) => {
    client.queryEvents(full, metadataForCaller(caller), (error, response) => (error ? reject(error) : resolve(response)));
  });
}

function unary<T>(start: (metadata: Metadata, cb: (error: ServiceError | null, response: T) => void) => void, caller: Caller): Promise<T> {
  return new Promise((resolve, reject) => {
    start(metadataForCaller(caller), (error, response) => (error ? reject(error) : resolve(response)));
  });
}

const verify = (caller: Caller) =>
  unary<VerifyChainResponse>((metadata, cb) => client.verifyChain({}, metadata, cb), caller);
const checkpoints = (caller: Caller) =>
  unary<ListCheckpointsResponse>((metadata, cb) => client.listCheckpoints({}, metadata, cb), caller);

/** The whole export as text, and how many messages it came in. */
function exportChain(caller: Caller): Promise<{ text: string; chunks: number }> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    const call = client.exportChain({}, metadataForCaller(caller));
    call.on('data', (message: { ndjson: Uint8Array }) => parts.push(Buffer.from(message.ndjson)));
    call.on('error', reject);
    call.on('end', () => resolve({ text: Buffer.concat(parts).toString('utf8'), chunks: parts.length }));
  });
}

/** The status code and Careline error code of a failed call. */
async function failure(promise: Promise<unknown>): Promise<{ status: number; code: unknown }> {
  try {
    await promise;
  } catch (error) {
    const serviceError = error as ServiceError;
    return { status: serviceError.code, code: serviceError.metadata.get('x-careline-error-code')[0] };
  }
  throw new Error('the call succeeded');
}

async function chained(tenantId: string, count: number): Promise<void> {
  await waitFor(
    async () => {
      const page = await app.reader.query(tenantId, {}, { afterSeq: 0, size: 500 });
      return page.entries.length >= count ? true : undefined;
    },
    { message: `${count} entries`, timeoutMs: 30_000 },
  );
}

describe('AuditService over gRPC', () => {
  it("answers a tenant's auditor with that tenant's entries only, and records the read", async () => {
    const tenantA = randomUUID();
    const tenantB = randomUUID();
    const patient = randomUUID();
    const idsA = [
      await publishAudit(producer, auditEventOf(tenantA, { patientId: patient, action: 'conversation.read' })),
      await publishAudit(producer, auditEventOf(tenantA, { patientId: patient, action: 'message.send' })),
    ];
    const idB = await publishAudit(producer, auditEventOf(tenantB, { patientId: patient, action: 'conversation.read' }));
    await chained(tenantA, 2);
    await chained(tenantB, 1);

    const a = await query(auditor(tenantA), { patientId: patient });
    expect(a.entries.map((e) => e.eventId)).toEqual(idsA);
    expect(a.entries[0]).toMatchObject({ seq: 1, action: 'conversation.read', actorType: 'staff', patientId: patient });
    expect(a.entries[0]?.occurredAt).toBeInstanceOf(Date);
    expect(a.nextPageToken).toBe('');
    // The same patient id asked in B's name: B's event only, never A's.
    const b = await query(auditor(tenantB, ['admin']), { patientId: patient });
    expect(b.entries.map((e) => e.eventId)).toEqual([idB]);

    // Each query above is chained in its own tenant, naming the patient looked up.
    const readsOfA = await query(auditor(tenantA), { action: 'audit.read' });
    expect(readsOfA.entries).toHaveLength(1);
    expect(readsOfA.entries[0]).toMatchObject({
      seq: 3,
      source: '/careline/audit',
      actorId: 'user:auditor-1',
      actorType: 'staff',
      patientId: patient,
      resourceType: 'audit_log',
      detail: { results: '2' },
    });

    // Paging: 2 per page over A's 4 entries (2 events + 2 reads).
    const first = await query(auditor(tenantA), { pageSize: 2 });
    expect(first.entries.map((e) => e.seq)).toEqual([1, 2]);
    const second = await query(auditor(tenantA), { pageSize: 2, pageToken: first.nextPageToken });
    expect(second.entries.map((e) => e.seq)).toEqual([3, 4]);
  });

  it('verifies and exports the caller tenant only, export recorded before it streams', async () => {
    const tenantA = randomUUID();
    const tenantB = randomUUID();
    const idsA: string[] = [];
    for (let n = 0; n < 4; n += 1) idsA.push(await publishAudit(producer, auditEventOf(tenantA, { action: `record.step_${n}` })));
    const idB = await publishAudit(producer, auditEventOf(tenantB));
    await chained(tenantA, 4);
    await chained(tenantB, 1);

    expect(await verify(auditor(tenantA))).toEqual({ ok: true, count: 4, brokenSeq: 0, reason: '', message: '' });

    const exported = await exportChain(auditor(tenantA));
    const lines = exported.text.trimEnd().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines).toHaveLength(5);
    for (const line of lines) expect(line).toMatchObject({ resourceType: 'AuditEvent' });
    expect(lines.map((line) => (line['type'] as { code: string }).code)).toEqual([
      ...[0, 1, 2, 3].map((n) => `record.step_${n}`),
      'audit.export',
    ]);
    for (const id of idsA) expect(exported.text).toContain(id);
    expect(exported.text).not.toContain(idB);
    expect(exported.text).not.toContain(tenantB);

    const ofB = await exportChain(auditor(tenantB));
    expect(ofB.text).toContain(idB);
    for (const id of [...idsA, tenantA]) expect(ofB.text).not.toContain(id);

    // Verification is not recorded: the chain holds the 4 events and the export.
    expect(await verify(auditor(tenantA))).toMatchObject({ ok: true, count: 5 });
    const cps = await checkpoints(auditor(tenantA));
    expect(cps.publicKeyPem).toBe(keys.publicPem);
    expect(cps.checkpoints.map((cp) => [cp.tenantId, cp.seq])).toEqual([[tenantA, 3]]);
    expect(cps.checkpoints[0]?.keyId).toBe(parseSigningKey(keys.privatePem).keyId);
  });

  it('names the first broken seq', async () => {
    const tenantId = randomUUID();
    for (let n = 0; n < 3; n += 1) await publishAudit(producer, auditEventOf(tenantId));
    await chained(tenantId, 3);
    const admin = await db.adminPool.connect();
    try {
      await admin.query('BEGIN');
      await admin.query('ALTER TABLE audit.entries DISABLE TRIGGER entries_append_only');
      await admin.query("UPDATE audit.entries SET action = 'forged' WHERE tenant_id = $1 AND seq = 2", [tenantId]);
      await admin.query('ALTER TABLE audit.entries ENABLE TRIGGER entries_append_only');
      await admin.query('COMMIT');
    } finally {
      admin.release();
    }
    expect(await verify(auditor(tenantId))).toMatchObject({ ok: false, count: 0, brokenSeq: 2, reason: 'hash_mismatch' });
  });

  it('refuses callers without audit:read or without a tenant, and records nothing for them', async () => {
    const tenantId = randomUUID();
    await publishAudit(producer, auditEventOf(tenantId));
    await chained(tenantId, 1);
    for (const role of ['nurse', 'clinician', 'front_desk', 'integration', 'superuser']) {
      const caller = auditor(tenantId, [role]);
      expect(await failure(query(caller)), role).toEqual({ status: GrpcStatus.PERMISSION_DENIED, code: 'role_required' });
      expect(await failure(verify(caller)), role).toMatchObject({ status: GrpcStatus.PERMISSION_DENIED });
      expect(await failure(checkpoints(caller)), role).toMatchObject({ status: GrpcStatus.PERMISSION_DENIED });
      expect(await failure(exportChain(caller)), role).toEqual({ status: GrpcStatus.PERMISSION_DENIED, code: 'role_required' });
    }
    expect(await failure(query(auditor(undefined)))).toEqual({ status: GrpcStatus.UNAUTHENTICATED, code: 'tenant_required' });
    expect(await failure(exportChain(auditor(undefined)))).toEqual({ status: GrpcStatus.UNAUTHENTICATED, code: 'tenant_required' });
    expect(await failure(query(auditor('not-a-uuid')))).toMatchObject({ status: GrpcStatus.UNAUTHENTICATED });
    const anonymous = await failure(
      new Promise((resolve, reject) => {
        client.verifyChain({}, (error, response) => (error ? reject(error) : resolve(response)));
      }),
    );
    expect(anonymous).toEqual({ status: GrpcStatus.UNAUTHENTICATED, code: 'caller_required' });
    expect(await failure(query(auditor(tenantId), { pageToken: 'bogus' }))).toEqual({
      status: GrpcStatus.INVALID_ARGUMENT,
      code: 'invalid_page_token',
    });
    expect(await failure(query(auditor(tenantId), { pageSize: 501 }))).toMatchObject({ status: GrpcStatus.INVALID_ARGUMENT });
    // Only the one event: no refused call left a record.
    expect(await app.reader.verify(tenantId)).toMatchObject({ ok: true, count: 1 });
  });
});
