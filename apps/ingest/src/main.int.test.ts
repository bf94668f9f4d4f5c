// Ingest as a process, from the bundle that ships (dist/apps/ingest/main.js, built here first):
// configuration from the environment, topics created at start, one webhook through, SIGTERM drains
// and exits 0; a bad environment is one line on stderr without the secret.
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { createKafka, createProducer } from '@careline/bus';
import { TOPICS, patientMessageReceivedEvent, sealContext } from '@careline/contracts';
import { createLocalKeyProvider, createSealer, generateMasterKey, parseMasterKey } from '@careline/crypto';
import { createTestDatabase } from '@careline/db/testing';
import { buildAppBundle, freePort, runToExit, startProcess, testEnv, uniqueName } from '@careline/testing';
import { webhookPayload } from '@careline/whatsapp/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { gatewayWebhook, publishWebhook, randomWaId, readEvents } from './test/harness';

const appDir = fileURLToPath(new URL('..', import.meta.url));
const bundle = fileURLToPath(new URL('../../../dist/apps/ingest/main.js', import.meta.url));
const mainArgs = ['--enable-source-maps', bundle];

beforeAll(async () => {
  // The bundle inlines the SQL migrations (`?raw`), which plain tsx cannot load.
  await buildAppBundle('ingest');
});

describe('ingest process', () => {
  it('refuses a bad environment with one line that names the variables and not the secret', async () => {
    const { code, stderr } = await runToExit(process.execPath, mainArgs, {
      cwd: appDir,
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? '',
        CARELINE_MASTER_KEY: 'not-a-real-key-but-secret',
        HTTP_PORT: 'x',
      },
    });

    expect(code).toBe(1);
    const lines = stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^ingest: invalid configuration: /);
    for (const variable of ['DATABASE_URL', 'KAFKA_BROKERS', 'CARELINE_MASTER_KEY', 'HTTP_PORT'])
      expect(lines[0]).toContain(variable);
    expect(stderr).not.toContain('not-a-real-key-but-secret');
  });

  it('starts, turns a webhook into an event, and drains on SIGTERM', async () => {
    const env = testEnv();
    const db = await createTestDatabase(env.databaseUrl);
    try {
      const role = await db.createServiceRole('ingest');
      const prefix = `${uniqueName('ingestproc')}.`;
      const masterKey = generateMasterKey();
      const port = await freePort();
      const app = await startProcess({
        name: 'ingest',
        command: process.execPath,
        args: mainArgs,
        cwd: appDir,
        env: {
          DATABASE_URL: role.url,
          KAFKA_BROKERS: env.kafkaBrokers,
          KAFKA_TOPIC_PREFIX: prefix,
          CARELINE_MASTER_KEY: masterKey,
          HTTP_HOST: '127.0.0.1',
          HTTP_PORT: String(port),
          LOG_LEVEL: 'debug',
        },
        readyUrl: `http://127.0.0.1:${port}/readyz`,
      });

      const sealer = createSealer(createLocalKeyProvider({ masterKey: parseMasterKey(masterKey) }));
      const kafka = createKafka({
        brokers: env.kafkaBrokers.split(','),
        clientId: 'ingest-process-test',
        topicPrefix: prefix,
      });
      const producer = createProducer(kafka);
      await producer.start();
      const tenantId = randomUUID();
      const waId = randomWaId();
      const marker = `PHI-MARKER-${randomUUID()}`;
      try {
        const webhook = webhookPayload({
          contacts: [{ profile: { name: marker }, wa_id: waId }],
          messages: [
            {
              from: waId,
              id: 'wamid.PROC',
              timestamp: '1749416383',
              type: 'text',
              text: { body: `${marker} ✓` },
            },
          ],
        });
        await publishWebhook(producer, await gatewayWebhook(sealer, tenantId, webhook));
        const [output] = await readEvents(kafka, patientMessageReceivedEvent, (events) => events.length > 0);
        const payload = output!.event.payload;
        expect(payload.wamid).toBe('wamid.PROC');
        if (payload.content?.$case !== 'text') throw new Error('expected a text message');
        const context = sealContext(TOPICS.patientMessageReceived, payload.messageId);
        expect(await sealer.openString(tenantId, payload.content.value.body!, context)).toBe(`${marker} ✓`);
      } finally {
        await producer.stop();
      }

      expect(await app.stop('SIGTERM')).toBe(0);
      expect(app.logs()).toContain('"msg":"webhook ingested"');
      expect(app.logs()).not.toContain(marker);
      expect(app.logs()).not.toContain(waId);
    } finally {
      await db.drop();
    }
  });
});
