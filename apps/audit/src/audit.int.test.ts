// Audit in-process (buildApp) against the real Postgres and Kafka: events published to
// audit.events.v1 become per-tenant hash chains; the service role cannot rewrite them; tampering
// by a superuser is found at its exact seq, online (verify) and offline (tools/audit-verify).
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { type BusProducer, createKafka, createProducer, ensureTopics } from '@careline/bus';
import { AuditActorType, TOPICS } from '@careline/contracts';
import { type Pool, createPool, findTablesWithoutTenantIsolation, withTenant } from '@careline/db';
import { type TestDatabase, createTestDatabase } from '@careline/db/testing';
import { loadConfig } from '@careline/runtime';
import { captureLogger } from '@careline/runtime/testing';
import { testEnv, uniqueName, waitFor } from '@careline/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type App, buildApp } from './app';
import { configSchema } from './config';
import { parseSigningKey } from '@careline/audit-chain';
import { createAppendEvent } from './use-cases/append-event';
import { auditEventOf, ed25519Pem, fastConsumer, publishAudit, runVerifier } from './test/harness';

let db: TestDatabase;
let app: App;
let producer: BusProducer;
let servicePool: Pool;
let baseUrl: string;
let keys: { privatePem: string; publicPem: string };
let workDir: string;

const AUDITOR = { 'x-careline-actor': 'user:auditor-1', 'x-careline-roles': 'auditor' };

beforeAll(async () => {
  const env = testEnv();
  db = await createTestDatabase(env.databaseUrl);
  const role = await db.createServiceRole('audit');
  const prefix = `${uniqueName('audit')}.`;
  keys = ed25519Pem();
  workDir = await mkdtemp(path.join(tmpdir(), 'audit-test-'));

  const kafka = createKafka({ brokers: env.kafkaBrokers.split(','), clientId: 'audit-test', topicPrefix: prefix });
  await ensureTopics(kafka, [{ topic: TOPICS.auditEvents, numPartitions: 3, dlq: true }]);
  producer = createProducer(kafka);
  await producer.start();

  const config = loadConfig(configSchema, {
    DATABASE_URL: role.url,
    KAFKA_BROKERS: env.kafkaBrokers,
    KAFKA_TOPIC_PREFIX: prefix,
    KAFKA_CREATE_TOPICS: 'false',
    AUDIT_SIGNING_KEY: keys.privatePem,
    AUDIT_CHECKPOINT_EVERY: '2',
    AUDIT_CHECKPOINT_INTERVAL: '1h',
    HTTP_HOST: '127.0.0.1',
    HTTP_PORT: '0',
    GRPC_HOST: '127.0.0.1',
    GRPC_PORT: '0',
  });
  app = buildApp(config, { logger: captureLogger({ name: 'audit', level: 'warn' }).logger, consumer: fastConsumer });
  await app.lifecycle.start();
  baseUrl = `http://127.0.0.1:${app.http.address()?.port}`;
  servicePool = createPool({ url: role.url, applicationName: 'audit-test-service-role', max: 4 });
});

afterAll(async () => {
  await app?.lifecycle.stop();
  await producer?.stop();
  await servicePool?.end();
  await db?.drop();
});

async function get(tenantId: string, route: string, headers: Record<string, string> = AUDITOR): Promise<Response> {
  return fetch(`${baseUrl}${route}`, { headers: { 'x-careline-tenant': tenantId, ...headers } });
}

async function chainOf(tenantId: string, count: number) {
  return waitFor(
    async () => {
      const page = await app.reader.query(tenantId, {}, { afterSeq: 0, size: 500 });
      return page.entries.length >= count ? page.entries : undefined;
    },
    { message: `${count} entries for the tenant`, timeoutMs: 30_000 },
  );
}

/** Publishes `count` events for a new tenant and waits until all are chained. */
async function chainedTenant(count: number) {
  const tenantId = randomUUID();
  for (let n = 0; n < count; n += 1) await publishAudit(producer, auditEventOf(tenantId, { action: `record.step_${n + 1}` }));
  await chainOf(tenantId, count);
  return tenantId;
}

/** As a superuser: runs `sql` with the append-only trigger off, as an attacker with full rights could. */
async function tamper(sql: string, params: unknown[]): Promise<void> {
  const client = await db.adminPool.connect();
  try {
    await client.query('BEGIN');
    await client.query('ALTER TABLE audit.entries DISABLE TRIGGER entries_append_only');
    await client.query(sql, params);
    await client.query('ALTER TABLE audit.entries ENABLE TRIGGER entries_append_only');
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK');
    throw error;
  } finally {
    client.release();
  }
}

async function exportFiles(tenantId: string) {
  const ndjson = await (await get(tenantId, '/v1/audit/export')).text();
  const checkpoints = await (await get(tenantId, '/v1/audit/checkpoints')).text();
  const dir = await mkdtemp(path.join(workDir, 'export-'));
  const files = {
    export: path.join(dir, 'chain.ndjson'),
    checkpoints: path.join(dir, 'checkpoints.json'),
    key: path.join(dir, 'key.pem'),
  };
  await writeFile(files.export, ndjson);
  await writeFile(files.checkpoints, checkpoints);
  await writeFile(files.key, keys.publicPem);
  return files;
}

function verifierArgs(files: { export: string; checkpoints: string; key: string }) {
  return ['--export', files.export, '--checkpoints', files.checkpoints, '--public-key', files.key];
}

describe('chaining', () => {
  it('chains each tenant in order, independently, storing a duplicate delivery once', async () => {
    const tenantA = randomUUID();
    const tenantB = randomUUID();
    const first = await publishAudit(producer, auditEventOf(tenantA, { action: 'conversation.read' }));
    await publishAudit(producer, auditEventOf(tenantB, { action: 'message.send' }));
    await publishAudit(producer, auditEventOf(tenantA, { action: 'messages.read' }));
    // The same ce_id again: a producer retry / redelivery.
    await publishAudit(producer, auditEventOf(tenantA, { action: 'conversation.read' }), first);
    await publishAudit(producer, auditEventOf(tenantA, { action: 'message.send' }));
    await publishAudit(producer, auditEventOf(tenantB, { action: 'conversation.read' }));

    const a = await chainOf(tenantA, 3);
    const b = await chainOf(tenantB, 2);
    // Give a wrongly stored duplicate the time to show up.
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect((await app.reader.query(tenantA, {}, { afterSeq: 0, size: 10 })).entries).toHaveLength(3);
    expect(a.map((e) => [e.seq, e.action])).toEqual([
      [1, 'conversation.read'],
      [2, 'messages.read'],
      [3, 'message.send'],
    ]);
    expect(b.map((e) => [e.seq, e.action])).toEqual([
      [1, 'message.send'],
      [2, 'conversation.read'],
    ]);
    expect(a[0]?.eventId).toBe(first);
    expect(await app.reader.verify(tenantA)).toMatchObject({ ok: true, count: 3 });
    expect(await app.reader.verify(tenantB)).toMatchObject({ ok: true, count: 2 });
    // Row-level security: tenant A's context sees none of B's rows.
    const seen = await withTenant(servicePool, tenantA, async (client) =>
      (await client.query<{ tenant_id: string }>('SELECT DISTINCT tenant_id FROM audit.entries')).rows,
    );
    expect(seen).toEqual([{ tenant_id: tenantA }]);
    expect(await findTablesWithoutTenantIsolation(db.adminPool, 'audit')).toEqual([]);
  });
});

describe('concurrent appends', () => {
  it('hands out every seq once when several transactions append to one tenant at once', async () => {
    const tenantId = randomUUID();
    const appendEvent = createAppendEvent({
      signingKey: parseSigningKey(keys.privatePem),
      checkpointEvery: 1000,
      clock: () => new Date(),
      metrics: { appended: () => undefined, checkpoint: () => undefined },
    });
    // As two consumer instances would: separate connections, interleaved transactions.
    await Promise.all(
      Array.from({ length: 20 }, (_, n) =>
        withTenant(servicePool, tenantId, (client) =>
          appendEvent(client, auditEventOf(tenantId, { action: `record.step_${n}` }), {
            id: randomUUID(),
            tenantId,
            source: '/careline/test',
            time: new Date(),
          }),
        ),
      ),
    );
    const entries = (await app.reader.query(tenantId, {}, { afterSeq: 0, size: 100 })).entries;
    expect(entries.map((e) => e.seq)).toEqual(Array.from({ length: 20 }, (_, n) => n + 1));
    expect(await app.reader.verify(tenantId)).toMatchObject({ ok: true, count: 20 });
  });
});

describe('append-only', () => {
  it('refuses UPDATE, DELETE and TRUNCATE to the service role by privilege', async () => {
    const tenantId = await chainedTenant(2);
    for (const sql of [
      "UPDATE audit.entries SET actor_id = 'x'",
      'DELETE FROM audit.entries',
      'TRUNCATE audit.entries',
      "UPDATE audit.checkpoints SET hash = 'x'",
      'DELETE FROM audit.checkpoints',
    ]) {
      await expect(withTenant(servicePool, tenantId, (client) => client.query(sql)), sql).rejects.toThrow(
        /permission denied for table/,
      );
    }
  });

  it('refuses UPDATE and DELETE by trigger even to a superuser', async () => {
    const tenantId = await chainedTenant(1);
    await expect(
      db.adminPool.query("UPDATE audit.entries SET actor_id = 'x' WHERE tenant_id = $1", [tenantId]),
    ).rejects.toThrow(/append-only/);
    await expect(db.adminPool.query('DELETE FROM audit.entries WHERE tenant_id = $1', [tenantId])).rejects.toThrow(
      /append-only/,
    );
    await expect(db.adminPool.query('TRUNCATE audit.entries')).rejects.toThrow(/append-only/);
    expect(await app.reader.verify(tenantId)).toMatchObject({ ok: true, count: 1 });
  });
});

describe('tamper detection', () => {
  it('finds a row changed by a superuser at its exact seq', async () => {
    const tenantId = await chainedTenant(5);
    await tamper("UPDATE audit.entries SET actor_id = 'user:mallory' WHERE tenant_id = $1 AND seq = 3", [tenantId]);
    const response = await get(tenantId, '/v1/audit/verify');
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ ok: false, seq: 3, reason: 'hash_mismatch' });
  });

  it('finds a row deleted by a superuser (trigger disabled) as a gap', async () => {
    const tenantId = await chainedTenant(4);
    await tamper('DELETE FROM audit.entries WHERE tenant_id = $1 AND seq = 2', [tenantId]);
    expect(await app.reader.verify(tenantId)).toMatchObject({ ok: false, seq: 2, reason: 'gap' });
  });
});

describe('checkpoints and offline verification', () => {
  it('exports a chain the CLI verifies, checkpoints included, and names a tampered seq', async () => {
    const tenantId = await chainedTenant(5);
    // AUDIT_CHECKPOINT_EVERY=2: seq 2 and 4 by count; the interval job signs the rest (seq 5).
    expect(await app.signCheckpoints()).toBeGreaterThanOrEqual(1);
    const files = await exportFiles(tenantId);
    const checkpoints = JSON.parse(await readFile(files.checkpoints, 'utf8')) as { checkpoints: { seq: number }[] };
    expect(checkpoints.checkpoints.map((c) => c.seq)).toEqual([2, 4, 5]);
    const lines = (await readFile(files.export, 'utf8')).trimEnd().split('\n');
    // The export is recorded (seq 6) before its first line leaves, so it contains its own record.
    expect(lines).toHaveLength(6);
    expect(JSON.parse(lines[0]!)).toMatchObject({ resourceType: 'AuditEvent', type: { code: 'record.step_1' } });
    expect(JSON.parse(lines[5]!)).toMatchObject({ resourceType: 'AuditEvent', type: { code: 'audit.export' } });

    const ok = await runVerifier(verifierArgs(files));
    expect(ok).toMatchObject({ code: 0 });
    expect(ok.stdout).toContain('OK: 6 entries, 3 checkpoints verified');

    // Tamper with the export: another actor on seq 4.
    lines[3] = lines[3]!.replace('user:nurse-1', 'user:mallory');
    await writeFile(files.export, `${lines.join('\n')}\n`);
    const broken = await runVerifier(verifierArgs(files));
    expect(broken.code).toBe(1);
    expect(broken.stderr).toMatch(/^BROKEN at seq 4: hash_mismatch/);

    // Another key: the checkpoints no longer verify.
    const fresh = await exportFiles(tenantId);
    await writeFile(fresh.key, ed25519Pem().publicPem);
    const wrongKey = await runVerifier(verifierArgs(fresh));
    expect(wrongKey.code).toBe(1);
    expect(wrongKey.stderr).toMatch(/^BROKEN at seq 2: wrong_key/);
  });

  it('signs nothing on the interval when nothing changed', async () => {
    await app.signCheckpoints();
    expect(await app.signCheckpoints()).toBe(0);
  });
});

describe('queries', () => {
  it('filters by patient, actor, action and time, pages, and enforces the caller', async () => {
    const tenantId = randomUUID();
    const patientId = randomUUID();
    const before = new Date(Date.now() - 60_000);
    await publishAudit(producer, auditEventOf(tenantId, { patientId, action: 'conversation.read', occurredAt: before }));
    await publishAudit(producer, auditEventOf(tenantId, { patientId, action: 'message.send' }));
    await publishAudit(
      producer,
      auditEventOf(tenantId, {
        action: 'message.send',
        actor: { type: AuditActorType.AUDIT_ACTOR_TYPE_INTEGRATION, id: 'client:ehr' },
      }),
    );
    await chainOf(tenantId, 3);

    const list = async (query: string) => {
      const response = await get(tenantId, `/v1/audit/events?${query}`);
      expect(response.status).toBe(200);
      return (await response.json()) as { entries: { seq: number }[]; nextPageToken?: string };
    };
    expect((await list(`patientId=${patientId}`)).entries.map((e) => e.seq)).toEqual([1, 2]);
    expect((await list('actorId=client:ehr')).entries.map((e) => e.seq)).toEqual([3]);
    expect((await list('action=message.send')).entries.map((e) => e.seq)).toEqual([2, 3]);
    const cut = new Date(before.getTime() + 1).toISOString();
    expect((await list(`to=${cut}`)).entries.map((e) => e.seq)).toEqual([1]);
    // Since `cut`: the two later events, then the four reads above (each recorded, seq 4..7).
    const since = (await list(`from=${cut}`)).entries as { seq: number; action: string }[];
    expect(since.map((e) => [e.seq, e.action])).toEqual([
      [2, 'message.send'],
      [3, 'message.send'],
      ...[4, 5, 6, 7].map((seq) => [seq, 'audit.read']),
    ]);

    const page1 = await list('pageSize=2');
    expect(page1.entries.map((e) => e.seq)).toEqual([1, 2]);
    const page2 = await list(`pageSize=2&pageToken=${page1.nextPageToken}`);
    expect(page2.entries.map((e) => e.seq)).toEqual([3, 4]);

    // The first read, as recorded: who, the patient looked up, the filters, how many entries.
    const reads = (await list('action=audit.read')).entries as unknown as {
      source: string;
      actorType: string;
      actorId: string;
      patientId: string;
      detail: Record<string, string>;
    }[];
    expect(reads[0]).toMatchObject({
      source: '/careline/audit',
      actorType: 'staff',
      actorId: 'user:auditor-1',
      patientId,
      detail: { results: '2' },
    });
    expect(reads[1]).toMatchObject({ patientId: '', detail: { filter_actor_id: 'client:ehr', results: '1' } });

    // Another tenant's caller sees nothing of this one.
    expect((await (await get(randomUUID(), `/v1/audit/events?patientId=${patientId}`)).json())).toEqual({
      entries: [],
    });
    const recorded = (await app.reader.verify(tenantId)) as { count: number };
    expect((await get(tenantId, '/v1/audit/events', { 'x-careline-actor': 'user:n', 'x-careline-roles': 'nurse' })).status).toBe(403);
    expect((await get(tenantId, '/v1/audit/events', {})).status).toBe(401);
    expect((await get(tenantId, '/v1/audit/events?pageToken=bogus')).status).toBe(400);
    expect((await get(tenantId, '/v1/audit/export', { 'x-careline-actor': 'user:n', 'x-careline-roles': 'front_desk' })).status).toBe(403);
    // Refused calls release nothing and record nothing.
    expect(await app.reader.verify(tenantId)).toMatchObject({ ok: true, count: recorded.count });
  });
});
