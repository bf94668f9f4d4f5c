// Runs a private instance (temporary state dir, free ports) so the shared one on the default
// ports is never disturbed; everything it starts is stopped in afterAll, even on failure.
import { promises as fs } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureInfra, infraStatus, stopInfra, type InfraOptions, type InfraResult } from './index';
import { isPortFree } from './proc';

function randomFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/** A free port whose successor is free too (the Kafka controller listens on port + 1). */
async function freePortPair(): Promise<number> {
  for (;;) {
    const port = await randomFreePort();
    if (port < 65000 && (await isPortFree(port + 1))) return port;
  }
}

// Only what the tool needs from the machine: no DATABASE_URL / KAFKA_BROKERS of the caller.
const machineEnv = { PATH: process.env.PATH, HOME: process.env.HOME };

describe('local infra (up, reuse, down)', { timeout: 300_000 }, () => {
  let stateDir: string;
  let options: InfraOptions;
  let first: InfraResult | undefined;
  const scratch: string[] = [];

  beforeAll(async () => {
    // mkdtemp makes a mode-700 dir: as root this also exercises the /var/tmp fallback for Postgres.
    stateDir = await fs.mkdtemp(path.join(os.tmpdir(), 'careline-infra-test-'));
    scratch.push(stateDir);
    const kafkaPort = await freePortPair();
    let postgresPort = await randomFreePort();
    while (postgresPort === kafkaPort + 1) postgresPort = await randomFreePort();
    options = { stateDir, postgresPort, kafkaPort, env: machineEnv, timeoutMs: 120_000 };
  });

  afterAll(async () => {
    await stopInfra(options);
    if (first?.postgresDir) scratch.push(first.postgresDir.startsWith('/var/tmp/') ? path.dirname(first.postgresDir) : first.postgresDir);
    for (const dir of scratch) await fs.rm(dir, { recursive: true, force: true });
  });

  it('starts both from nothing, once even when two callers race, and both really answer', async () => {
    // the state-dir lock makes the second caller wait and then reuse what the first started
    const racing = await Promise.all([ensureInfra(options), ensureInfra(options)]);
    const startedFlags = racing.map((result) => JSON.stringify(result.started)).sort();
    expect(startedFlags).toEqual([
      JSON.stringify({ postgres: false, kafka: false }),
      JSON.stringify({ postgres: true, kafka: true }),
    ]);
    first = racing.find((result) => result.started.postgres)!;
    expect(first.databaseUrl).toBe(`postgres://postgres@127.0.0.1:${options.postgresPort}/postgres`);
    expect(first.kafkaBrokers).toBe(`127.0.0.1:${options.kafkaPort}`);

    const client = new pg.Client({ connectionString: first.databaseUrl });
    await client.connect();
    const { rows } = await client.query<{ max: string }>("SELECT current_setting('max_connections') AS max");
    await client.end();
    expect(rows[0]?.max).toBe('300');

    const kafka = new Kafka({ clientId: 'infra-test', brokers: [first.kafkaBrokers], logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    try {
      await admin.createTopics({ topics: [{ topic: 'infra-test-topic' }], waitForLeaders: true });
      const metadata = await admin.fetchTopicMetadata({ topics: ['infra-test-topic'] });
      expect(metadata.topics[0]?.partitions).toHaveLength(3); // num.partitions=3
    } finally {
      await admin.disconnect();
    }
  });

  it('reuses the running processes on a second up', async () => {
    const before = await infraStatus(options);
    const again = await ensureInfra(options);
    const after = await infraStatus(options);
    expect(again.started).toEqual({ postgres: false, kafka: false });
    expect(after.postgres.pid).toBeDefined();
    expect(after.kafka.pid).toBeDefined();
    expect([after.postgres.pid, after.kafka.pid]).toEqual([before.postgres.pid, before.kafka.pid]);
  });

  it('starts nothing when DATABASE_URL and KAFKA_BROKERS are given, only checks them', async () => {
    const otherDir = await fs.mkdtemp(path.join(os.tmpdir(), 'careline-infra-explicit-'));
    scratch.push(otherDir);
    const result = await ensureInfra({
      stateDir: otherDir,
      env: { ...machineEnv, DATABASE_URL: first!.databaseUrl, KAFKA_BROKERS: first!.kafkaBrokers },
    });
    expect(result.started).toEqual({ postgres: false, kafka: false });
    expect(result.databaseUrl).toBe(first!.databaseUrl);
    expect(await fs.readdir(otherDir)).toEqual([]);
  });

  it('stops both on down and frees their ports', async () => {
    const { stopped } = await stopInfra(options);
    expect(stopped).toEqual({ postgres: true, kafka: true });
    const status = await infraStatus(options);
    expect([status.postgres.running, status.kafka.running]).toEqual([false, false]);
    for (const port of [options.postgresPort!, options.kafkaPort!, options.kafkaPort! + 1]) {
      expect(await isPortFree(port)).toBe(true);
    }
    expect((await stopInfra(options)).stopped).toEqual({ postgres: false, kafka: false });
  });

  it('treats a pid file of a dead process as stale and removes it', async () => {
    const pidFile = path.join(stateDir, 'kafka', 'kafka.pid');
    // pid 2^22 - 1 is above the default pid_max in containers and never alive here
    await fs.writeFile(pidFile, JSON.stringify({ pid: 4_194_303, port: options.kafkaPort }));
    const status = await infraStatus(options);
    expect(status.kafka.running).toBe(false);
    await expect(fs.access(pidFile)).rejects.toThrow();
  });
});
