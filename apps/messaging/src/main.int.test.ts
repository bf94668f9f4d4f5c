// messaging as it ships: the esbuild bundle (dist/apps/messaging/main.js, migrations inlined) run
// as a real process on real Postgres and Kafka. It becomes ready on HTTP and gRPC health, serves
// MessagingService, and drains on SIGTERM with exit code 0; a bad environment stops it with one
// line that names the variable and holds no secret.
import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { type ServiceError, credentials } from '@grpc/grpc-js';
import {
  HealthCheckResponse_ServingStatus as ServingStatus,
  HealthClient,
  MessagingServiceClient,
} from '@careline/contracts';
import { createKafka, ensureTopics } from '@careline/bus';
import {
  type TestDatabase,
  buildAppBundle,
  createTestDatabase,
  freePort,
  runToExit,
  startProcess,
} from '@careline/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { messagingTopicSpecs } from './edges/kafka';
import { nurse } from './int-test-support';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const bundle = fileURLToPath(new URL('../../../dist/apps/messaging/main.js', import.meta.url));

let db: TestDatabase;
let env: Record<string, string>;

beforeAll(async () => {
  // Always rebuilt: a stale bundle would test yesterday's code.
  await buildAppBundle('messaging');
  expect(existsSync(bundle)).toBe(true);
  db = await createTestDatabase();
  const role = await db.createServiceRole('messaging');
  const brokers = process.env.KAFKA_BROKERS ?? '';
  const topicPrefix = `p${randomBytes(5).toString('hex')}.`;
  await ensureTopics(
    createKafka({ brokers: brokers.split(','), clientId: 'messaging-main-test', topicPrefix }),
    messagingTopicSpecs().map((spec) => ({ ...spec, numPartitions: 1 })),
  );
  env = {
    DATABASE_URL: role.url,
    KAFKA_BROKERS: brokers,
    KAFKA_TOPIC_PREFIX: topicPrefix,
    CARELINE_MASTER_KEY: randomBytes(32).toString('base64'),
    LOG_LEVEL: 'info',
  };
});

afterAll(async () => {
  await db?.drop();
});

describe('the messaging process', () => {
  it('exits 1 with one line naming the bad variables, never the key', async () => {
    const badKey = randomBytes(20).toString('base64');
    const failure = await runToExit(process.execPath, [bundle], {
      cwd: repoRoot,
      env: { PATH: process.env.PATH ?? '', ...env, CARELINE_MASTER_KEY: badKey, KAFKA_BROKERS: '' },
    });
    expect(failure.code).toBe(1);
    expect(failure.stderr).toMatch(/^messaging: invalid configuration: .*KAFKA_BROKERS.*\n$/);
    expect(failure.stderr).toContain('CARELINE_MASTER_KEY must be 32 bytes of base64');
    expect(failure.stderr).not.toContain(badKey);
  });

  it('starts, is ready on HTTP and gRPC health, serves MessagingService, and drains on SIGTERM', async () => {
    const [httpPort, grpcPort] = [await freePort(), await freePort()];
    const messaging = await startProcess({
      name: 'messaging',
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
      const ready = (await (await fetch(`http://127.0.0.1:${httpPort}/readyz`)).json()) as {
        checks: string[];
      };
      expect(ready.checks.sort()).toEqual(['consumer', 'kafka', 'postgres']);

      const address = `127.0.0.1:${grpcPort}`;
      const health = new HealthClient(address, credentials.createInsecure());
      const serving = await new Promise<ServingStatus>((resolve, reject) => {
        health.check({ service: 'careline.messaging.v1.MessagingService' }, (error, response) =>
          error ? reject(error) : resolve(response.status),
        );
      });
      expect(serving).toBe(ServingStatus.SERVING);
      health.close();

      const client = new MessagingServiceClient(address, credentials.createInsecure());
      const listed = await new Promise<number>((resolve, reject) => {
        client.listConversations(
          { pageSize: 0, pageToken: '' },
          nurse(randomUUID()),
          (error: ServiceError | null, response) =>
            error ? reject(error) : resolve(response.conversations.length),
        );
      });
      expect(listed).toBe(0);
      client.close();
    } finally {
      expect(await messaging.stop('SIGTERM')).toBe(0);
    }
    expect(messaging.logs()).toContain('messaging started');
  });
});
