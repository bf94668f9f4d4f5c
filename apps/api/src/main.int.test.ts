// The shipped artefact as a process: the esbuild bundle (dist/apps/api/main.js, rebuilt here so
// the test never runs a stale one) started with the environment contract, serving through a real
// gRPC connection to a fake messaging, failing fast on bad configuration, draining on SIGTERM.
import { randomBytes } from 'node:crypto';
import { createKafka, ensureTopics } from '@careline/bus';
import { readTopic } from '@careline/bus/testing';
import { MessagingServiceDefinition, TOPICS, auditEvent } from '@careline/contracts';
import { createGrpcServer, grpcService } from '@careline/runtime';
import { captureLogger } from '@careline/runtime/testing';
import { buildAppBundle, freePort, runToExit, startProcess, waitFor } from '@careline/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { createFakeMessaging, sampleConversation } from './testing/fake-messaging';

let bundle = '';
const TENANT = '0b6f1c8e-5d2a-4c1e-9f3b-7a8d6e5c4b3a';

beforeAll(async () => {
  bundle = await buildAppBundle('api');
}, 60_000);

describe('dist/apps/api/main.js', () => {
  it('serves the REST api against messaging over gRPC, and drains on SIGTERM', async () => {
    const fake = createFakeMessaging();
    const conversation = fake.add(sampleConversation({ tenantId: TENANT }));
    const { logger } = captureLogger({ name: 'fake-messaging' });
    const grpc = createGrpcServer({
      name: 'fake-messaging',
      host: '127.0.0.1',
      port: 0,
      logger,
      services: [grpcService(MessagingServiceDefinition, fake.handlers(logger))],
    });
    await grpc.resource.start();
    // the api records sign-ins on audit.events.v1: a topic of this test's own
    const brokers = process.env['KAFKA_BROKERS'] ?? '';
    const topicPrefix = `t${randomBytes(5).toString('hex')}.`;
    const kafka = createKafka({ brokers: brokers.split(','), clientId: 'api-main-test', topicPrefix });
    await ensureTopics(kafka, [{ topic: TOPICS.auditEvents, numPartitions: 1 }]);
    try {
      const port = await freePort();
      const api = await startProcess({
        name: 'api',
        command: 'node',
        args: [bundle],
        env: {
          HTTP_HOST: '127.0.0.1',
          HTTP_PORT: String(port),
          MESSAGING_GRPC_URL: `127.0.0.1:${grpc.port()}`,
          CARELINE_DEV_AUTH: 'true',
          LOG_LEVEL: 'info',
          KAFKA_BROKERS: brokers,
          KAFKA_TOPIC_PREFIX: topicPrefix,
        },
        readyUrl: `http://127.0.0.1:${port}/healthz`,
      });
      const base = `http://127.0.0.1:${port}`;
      await waitFor(async () => (await fetch(`${base}/readyz`)).status === 200, {
        message: 'api ready (messaging SERVING)',
      });

      const minted = await fetch(`${base}/dev/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ subject: 'nurse-1', tenantId: TENANT, roles: ['nurse'] }),
      });
      const { access_token: token } = (await minted.json()) as { access_token: string };
      const list = await fetch(`${base}/v1/conversations`, { headers: { authorization: `Bearer ${token}` } });
      expect(list.status).toBe(200);
      expect(((await list.json()) as { items: { id: string }[] }).items.map((c) => c.id)).toEqual([
        conversation.id,
      ]);
      // the first request with the token was recorded as a sign-in, on Kafka, before it was served
      const records = await readTopic(kafka, TOPICS.auditEvents, { until: (read) => read.length >= 1, timeoutMs: 15_000 });
      expect(records.map((record) => auditEvent.decode(record.value ?? new Uint8Array()))).toMatchObject([
        { tenantId: TENANT, action: 'auth.login', actor: { id: 'user:nurse-1' } },
      ]);
      expect((await fetch(`${base}/docs`)).status).toBe(200);
      expect(((await (await fetch(`${base}/openapi.json`)).json()) as { openapi: string }).openapi).toBe(
        '3.1.0',
      );

      expect(await api.stop('SIGTERM')).toBe(0);
      expect(api.logs()).toContain('development auth is ON');
      expect(api.logs()).toContain('"msg":"stopped"');
    } finally {
      await grpc.resource.stop();
    }
  });

  it('exits 1 with one line naming the bad variable', async () => {
    const failure = await runToExit(process.execPath, [bundle], {
      env: { PATH: process.env['PATH'], HTTP_PORT: 'eighty', CARELINE_DEV_AUTH: 'true', KAFKA_BROKERS: '127.0.0.1:9' },
    });
    expect(failure.code).toBe(1);
    expect(failure.stderr.trim()).toBe(
      'api: invalid configuration: HTTP_PORT must be an integer 0-65535 (got "eighty")',
    );
  });
});
