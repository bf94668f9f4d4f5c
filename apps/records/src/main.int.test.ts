// records as it ships: the esbuild bundle (dist/apps/records/main.js, migrations inlined) run as
// a real process on real Postgres and Kafka. It becomes ready, serves RecordsService and the
// release page, and drains on SIGTERM with exit code 0; a bad environment stops it with one line.
import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { credentials } from '@grpc/grpc-js';
import {
  HealthCheckResponse_ServingStatus as ServingStatus,
  HealthClient,
  RecordsServiceClient,
} from '@careline/contracts';
import { contractTopicSpecs, createKafka, ensureTopics } from '@careline/bus';
import {
  type TestDatabase,
  buildAppBundle,
  createTestDatabase,
  freePort,
  runToExit,
  startProcess,
} from '@careline/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PRODUCED_TOPICS } from './app';
import { recordsApi, staff } from './int-test-support';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const bundle = fileURLToPath(new URL('../../../dist/apps/records/main.js', import.meta.url));

let db: TestDatabase;
let env: Record<string, string>;

beforeAll(async () => {
  // Always rebuilt: a stale bundle would test yesterday's code.
  await buildAppBundle('records');
  expect(existsSync(bundle)).toBe(true);
  db = await createTestDatabase();
  const role = await db.createServiceRole('records');
  const brokers = process.env.KAFKA_BROKERS ?? '';
  const topicPrefix = `p${randomBytes(5).toString('hex')}.`;
  await ensureTopics(
    createKafka({ brokers: brokers.split(','), clientId: 'records-main-test', topicPrefix }),
    contractTopicSpecs({ produced: PRODUCED_TOPICS, partitions: 1 }),
  );
  env = {
    DATABASE_URL: role.url,
    KAFKA_BROKERS: brokers,
    KAFKA_TOPIC_PREFIX: topicPrefix,
    CARELINE_MASTER_KEY: randomBytes(32).toString('base64'),
    LOG_LEVEL: 'info',
  };
}, 120_000);

afterAll(async () => {
  await db?.drop();
});

describe('the records process', () => {
  it('exits 1 with one line naming the bad variables, never the key', async () => {
    const badKey = randomBytes(20).toString('base64');
    const failure = await runToExit(process.execPath, [bundle], {
      cwd: repoRoot,
      env: { PATH: process.env.PATH ?? '', ...env, CARELINE_MASTER_KEY: badKey },
    });
    expect(failure.code).toBe(1);
    expect(failure.stderr).toMatch(/^records: invalid configuration: .*CARELINE_MASTER_KEY.*\n$/);
    expect(failure.stderr).not.toContain(badKey);
  });

  it('starts, is ready, serves RecordsService and the release page, and drains on SIGTERM', async () => {
    const [httpPort, grpcPort] = [await freePort(), await freePort()];
    const records = await startProcess({
      name: 'records',
      command: process.execPath,
      args: [bundle],
      cwd: repoRoot,
      env: {
        ...env,
        HTTP_HOST: '127.0.0.1',
        HTTP_PORT: String(httpPort),
        GRPC_HOST: '127.0.0.1',
        GRPC_PORT: String(grpcPort),
      },
      readyUrl: `http://127.0.0.1:${httpPort}/readyz`,
      readyTimeoutMs: 60_000,
    });
    try {
      const address = `127.0.0.1:${grpcPort}`;
      const health = new HealthClient(address, credentials.createInsecure());
      const serving = await new Promise<ServingStatus>((resolve, reject) => {
        health.check({ service: 'careline.records.v1.RecordsService' }, (error, response) =>
          error ? reject(error) : resolve(response.status),
        );
      });
      expect(serving).toBe(ServingStatus.SERVING);
      health.close();

      const client = new RecordsServiceClient(address, credentials.createInsecure());
      const tenant = randomUUID();
      const { patient } = await recordsApi(client).createPatient(
        {
          patient: {
            mrn: 'M-1',
            givenName: 'A',
            familyName: 'B',
            dateOfBirth: '2000-01-01',
            waId: '',
            preferredLanguage: '',
          },
        },
        staff(tenant),
      );
      expect(patient?.mrn).toBe('M-1');
      client.close();

      const page = await fetch(`http://127.0.0.1:${httpPort}/r/${'x'.repeat(43)}`);
      expect(page.status).toBe(404);
      expect(page.headers.get('content-security-policy')).toContain("default-src 'none'");
    } finally {
      expect(await records.stop('SIGTERM')).toBe(0);
    }
    expect(records.logs()).toContain('records started');
  });
});
