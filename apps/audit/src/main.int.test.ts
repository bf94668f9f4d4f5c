// Audit as a process, from the bundle that ships (dist/apps/audit/main.js, built here first):
// configuration from the environment (the signing key from a _FILE), topics created at start, an
// event chained, SIGTERM drains and exits 0; a missing key is one line on stderr.
import { randomUUID } from 'node:crypto';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createKafka, createProducer } from '@careline/bus';
import { createTestDatabase } from '@careline/db/testing';
import {
  buildAppBundle,
  freePort,
  runToExit,
  startProcess,
  testEnv,
  uniqueName,
  waitFor,
} from '@careline/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { auditEventOf, ed25519Pem, publishAudit } from './test/harness';

const appDir = fileURLToPath(new URL('..', import.meta.url));
const bundle = fileURLToPath(new URL('../../../dist/apps/audit/main.js', import.meta.url));
const mainArgs = ['--enable-source-maps', bundle];

beforeAll(async () => {
  // The bundle inlines the SQL migrations (`?raw`), which plain tsx cannot load.
  await buildAppBundle('audit');
});

describe('audit process', () => {
  it('refuses to start without a signing key, in one line naming the variable', async () => {
    const { code, stderr } = await runToExit(process.execPath, mainArgs, {
      cwd: appDir,
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? '',
        DATABASE_URL: 'postgres://audit@127.0.0.1:5432/careline',
        KAFKA_BROKERS: '127.0.0.1:9092',
      },
    });
    expect(code).toBe(1);
    const lines = stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^audit: invalid configuration: .*AUDIT_SIGNING_KEY/);
  });

  it('starts, chains an event, and drains on SIGTERM', async () => {
    const env = testEnv();
    const db = await createTestDatabase(env.databaseUrl);
    try {
      const role = await db.createServiceRole('audit');
      const prefix = `${uniqueName('auditproc')}.`;
      const keyFile = path.join(await mkdtemp(path.join(tmpdir(), 'audit-proc-')), 'key.pem');
      await writeFile(keyFile, ed25519Pem().privatePem, { mode: 0o600 });
      const port = await freePort();
      const grpcPort = await freePort();
      const app = await startProcess({
        name: 'audit',
        command: process.execPath,
        args: mainArgs,
        cwd: appDir,
        env: {
          DATABASE_URL: role.url,
          KAFKA_BROKERS: env.kafkaBrokers,
          KAFKA_TOPIC_PREFIX: prefix,
          AUDIT_SIGNING_KEY_FILE: keyFile,
          HTTP_HOST: '127.0.0.1',
          HTTP_PORT: String(port),
          // Never the default 50054: a running stack may hold it.
          GRPC_HOST: '127.0.0.1',
          GRPC_PORT: String(grpcPort),
        },
        readyUrl: `http://127.0.0.1:${port}/readyz`,
      });
      const producer = createProducer(
        createKafka({
          brokers: env.kafkaBrokers.split(','),
          clientId: 'audit-process-test',
          topicPrefix: prefix,
        }),
      );
      await producer.start();
      const tenantId = randomUUID();
      try {
        await publishAudit(producer, auditEventOf(tenantId));
      } finally {
        await producer.stop();
      }
      const headers = {
        'x-careline-tenant': tenantId,
        'x-careline-actor': 'user:a',
        'x-careline-roles': 'auditor',
      };
      const verdict = await waitFor(
        async () => {
          const body = (await (
            await fetch(`http://127.0.0.1:${port}/v1/audit/verify`, { headers })
          ).json()) as {
            ok: boolean;
            count?: number;
          };
          return body.count === 1 ? body : undefined;
        },
        { message: 'the event to be chained', timeoutMs: 30_000 },
      );
      expect(verdict).toMatchObject({ ok: true, count: 1 });
      expect(await app.stop('SIGTERM')).toBe(0);
    } finally {
      await db.drop();
    }
  });
});
