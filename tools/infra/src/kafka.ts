import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { z } from 'zod';
import { kafkaBrokers, repoRoot, type InfraConfig } from './config';
import { InfraError, missingTool } from './errors';
import { commandLine, exists, findOnPath, isAlive, isPortFree, lastLines, pollUntil, runCommand, sleep } from './proc';

export interface KafkaPaths {
  baseDir: string;
  libsDir: string;
  dataDir: string;
  propsFile: string;
  log4jFile: string;
  /** The broker's own log (log4j2). */
  brokerLog: string;
  /** The JVM's stdout/stderr: only JVM-level failures land here. */
  consoleLog: string;
  mavenLog: string;
  pidFile: string;
}

export function kafkaPaths(cfg: InfraConfig): KafkaPaths {
  const baseDir = path.join(cfg.stateDir, 'kafka');
  return {
    baseDir,
    libsDir: path.join(baseDir, 'libs'),
    dataDir: path.join(baseDir, 'data'),
    propsFile: path.join(baseDir, 'server.properties'),
    log4jFile: path.join(baseDir, 'log4j2.xml'),
    brokerLog: path.join(baseDir, 'broker.log'),
    consoleLog: path.join(baseDir, 'console.log'),
    mavenLog: path.join(baseDir, 'maven.log'),
    pidFile: path.join(baseDir, 'kafka.pid'),
  };
}

const pomFile = path.join(repoRoot, 'tools', 'infra', 'kafka', 'pom.xml');

const PidFileSchema = z.object({ pid: z.number().int().positive(), port: z.number().int().positive() });
export type KafkaRunning = z.infer<typeof PidFileSchema>;

/** The broker started from this state dir, if it still runs; a stale pid file is removed. */
export async function runningKafka(paths: KafkaPaths): Promise<KafkaRunning | undefined> {
  let raw: unknown;
  try {
    raw = JSON.parse(await fs.readFile(paths.pidFile, 'utf8'));
  } catch {
    if (await exists(paths.pidFile)) await fs.rm(paths.pidFile, { force: true });
    return undefined;
  }
  const parsed = PidFileSchema.safeParse(raw);
  if (parsed.success && isAlive(parsed.data.pid)) {
    const cmd = await commandLine(parsed.data.pid);
    // A recycled pid runs some other program: only a JVM on our properties file is our broker.
    if (cmd === undefined || (cmd.includes('kafka.Kafka') && cmd.includes(paths.propsFile))) return parsed.data;
  }
  await fs.rm(paths.pidFile, { force: true });
  return undefined;
}

/**
 * Copies the broker's jars from Maven (its ~/.m2 cache makes reruns fast). A hash of the pom is
 * stamped next to them, so a version bump in the pom fetches again.
 */
async function ensureJars(cfg: InfraConfig, paths: KafkaPaths): Promise<void> {
  const pom = await fs.readFile(pomFile);
  const hash = createHash('sha256').update(pom).digest('hex');
  const stamp = path.join(paths.libsDir, '.pom-sha256');
  if ((await fs.readFile(stamp, 'utf8').catch(() => '')) === hash) return;
  const mvn = await findOnPath('mvn');
  if (!mvn) throw missingTool('mvn (Maven, to fetch the Kafka broker jars)', 'maven');
  cfg.log('kafka: fetching the broker jars with Maven (first run only)');
  await fs.rm(paths.libsDir, { recursive: true, force: true });
  const result = await runCommand(
    mvn,
    ['-q', '-B', '-f', pomFile, 'dependency:copy-dependencies', `-DoutputDirectory=${paths.libsDir}`],
    10 * 60_000,
  );
  await fs.writeFile(paths.mavenLog, result.output);
  if (result.code !== 0) throw new InfraError(`maven could not fetch the Kafka jars; see ${paths.mavenLog}`);
  await fs.writeFile(stamp, hash);
}

async function ensureJava(): Promise<string> {
  const java = await findOnPath('java');
  if (!java) throw missingTool('java (17 or newer, for the Kafka broker)', 'openjdk-17-jre-headless');
  const { output } = await runCommand(java, ['-version'], 30_000);
  const major = Number(/version "(\d+)/.exec(output)?.[1] ?? '0');
  if (major > 0 && major < 17) {
    throw new InfraError(`java ${major} is too old for Kafka 4 (needs 17+); install it with: apt-get install -y openjdk-17-jre-headless`);
  }
  return java;
}

function serverProperties(cfg: InfraConfig, paths: KafkaPaths): string {
  return [
    '# Written by tools/infra at every start: edits here are overwritten.',
    '# One node in KRaft combined mode, for local development and tests.',
    'process.roles=broker,controller',
    'node.id=1',
    // static voters: no dynamic quorum to bootstrap, so a changed port needs no reformat
    `controller.quorum.voters=1@127.0.0.1:${cfg.controllerPort}`,
    `listeners=PLAINTEXT://127.0.0.1:${cfg.kafkaPort},CONTROLLER://127.0.0.1:${cfg.controllerPort}`,
    `advertised.listeners=PLAINTEXT://127.0.0.1:${cfg.kafkaPort}`,
    'controller.listener.names=CONTROLLER',
    'inter.broker.listener.name=PLAINTEXT',
    'listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT',
    `log.dirs=${paths.dataDir}`,
    'num.partitions=3',
    'offsets.topic.replication.factor=1',
    'transaction.state.log.replication.factor=1',
    'transaction.state.log.min.isr=1',
    'share.coordinator.state.topic.replication.factor=1',
    'share.coordinator.state.topic.min.isr=1',
    'group.initial.rebalance.delay.ms=0',
    // services and tests create their topics explicitly, so a typo fails instead of creating one
    'auto.create.topics.enable=false',
    '',
  ].join('\n');
}

function log4jConfig(paths: KafkaPaths): string {
  const file = paths.brokerLog.replaceAll('&', '&amp;').replaceAll('"', '&quot;').replaceAll('<', '&lt;');
  return `<?xml version="1.0" encoding="UTF-8"?>
<!-- Written by tools/infra: the broker logs to a file in the state dir, never to the console. -->
<Configuration status="warn" shutdownHook="disable">
  <Appenders>
    <RollingFile name="broker" fileName="${file}" filePattern="${file}.%i">
      <PatternLayout pattern="[%d] %p %m (%c)%n"/>
      <Policies><SizeBasedTriggeringPolicy size="20 MB"/></Policies>
      <DefaultRolloverStrategy max="3"/>
    </RollingFile>
  </Appenders>
  <Loggers>
    <Logger name="state.change.logger" level="warn"/>
    <Logger name="kafka.request.logger" level="warn"/>
    <Root level="info"><AppenderRef ref="broker"/></Root>
  </Loggers>
</Configuration>
`;
}

/** A random KRaft cluster id: 16 bytes, base64url without padding, as Kafka's Uuid prints it. */
function clusterId(): string {
  for (;;) {
    const id = randomBytes(16).toString('base64url');
    if (!id.startsWith('-')) return id; // Kafka refuses ids that look like command-line flags
  }
}

async function formatStorage(java: string, paths: KafkaPaths, log: (line: string) => void): Promise<void> {
  if (await exists(path.join(paths.dataDir, 'meta.properties'))) return;
  log(`kafka: formatting storage in ${paths.dataDir}`);
  const result = await runCommand(java, [
    `-Dlog4j2.configurationFile=${paths.log4jFile}`,
    '-cp', `${paths.libsDir}/*`,
    'kafka.tools.StorageTool', 'format', '-t', clusterId(), '-c', paths.propsFile,
  ]);
  if (result.code !== 0) {
    const last = result.output.trim().split('\n').at(-1) ?? '';
    throw new InfraError(`kafka storage format failed in ${paths.dataDir}: ${last}`);
  }
}

/** One quick metadata round trip; false while the broker is not (yet) serving. */
export async function probeKafka(brokers: string): Promise<boolean> {
  const kafka = new Kafka({
    clientId: 'careline-infra-probe',
    brokers: brokers.split(',').map((b) => b.trim()).filter((b) => b !== ''),
    logLevel: logLevel.NOTHING,
    connectionTimeout: 1_500,
    requestTimeout: 3_000,
    retry: { retries: 0 },
  });
  const admin = kafka.admin();
  try {
    await admin.connect();
    const cluster = await admin.describeCluster();
    return cluster.brokers.length > 0 && cluster.controller !== null;
  } catch {
    return false;
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

export interface KafkaUp {
  brokers: string;
  started: boolean;
  paths: KafkaPaths;
}

/** Starts the local broker unless it already runs (then reuses it); waits until it answers. */
export async function ensureKafka(cfg: InfraConfig): Promise<KafkaUp> {
  const paths = kafkaPaths(cfg);
  const brokers = kafkaBrokers(cfg.kafkaPort);
  const seconds = Math.round(cfg.timeoutMs / 1000);
  const running = await runningKafka(paths);
  if (running) {
    if (running.port !== cfg.kafkaPort) {
      throw new InfraError(
        `kafka of ${paths.baseDir} already runs on port ${running.port}, not ${cfg.kafkaPort}; run \`npm run infra -- down\` first or set CARELINE_KAFKA_PORT=${running.port}`,
      );
    }
    if (!(await pollUntil(() => probeKafka(brokers), cfg.timeoutMs, 250))) {
      throw new InfraError(`kafka (pid ${running.pid}) did not answer on ${brokers} within ${seconds}s; see ${paths.brokerLog}`);
    }
    return { brokers, started: false, paths };
  }

  for (const port of [cfg.kafkaPort, cfg.controllerPort]) {
    if (!(await isPortFree(port))) {
      throw new InfraError(
        `127.0.0.1:${port} is taken by another program; stop it or set CARELINE_KAFKA_PORT to a free port (the controller uses the next one)`,
      );
    }
  }
  const java = await ensureJava();
  await fs.mkdir(paths.dataDir, { recursive: true });
  await ensureJars(cfg, paths);
  await fs.writeFile(paths.propsFile, serverProperties(cfg, paths));
  await fs.writeFile(paths.log4jFile, log4jConfig(paths));
  await formatStorage(java, paths, cfg.log);

  // truncated per start, so that what it holds belongs to this run
  const consoleFd = await fs.open(paths.consoleLog, 'w');
  let exit: string | undefined;
  try {
    // detached: its own process group and session, so it outlives `npm run infra -- up`
    const child = spawn(
      java,
      [
        '-Xms256m', '-Xmx768m', '-XX:+UseG1GC', '-XX:MaxGCPauseMillis=20', '-XX:+ExitOnOutOfMemoryError',
        '-Djava.awt.headless=true', `-Dlog4j2.configurationFile=${paths.log4jFile}`,
        '-cp', `${paths.libsDir}/*`, 'kafka.Kafka', paths.propsFile,
      ],
      { cwd: paths.baseDir, detached: true, stdio: ['ignore', consoleFd.fd, consoleFd.fd] },
    );
    child.once('exit', (code, signal) => {
      exit = signal ? `signal ${signal}` : `exit code ${code ?? '?'}`;
    });
    child.once('error', (error) => {
      exit = error.message;
    });
    child.unref();
    if (child.pid === undefined) throw new InfraError(`kafka could not be launched (${java}); see ${paths.consoleLog}`);
    await fs.writeFile(paths.pidFile, JSON.stringify({ pid: child.pid, port: cfg.kafkaPort }));
  } finally {
    await consoleFd.close();
  }

  const answered = await pollUntil(async () => exit !== undefined || (await probeKafka(brokers)), cfg.timeoutMs, 250);
  if (exit !== undefined) {
    await fs.rm(paths.pidFile, { force: true });
    const jvmTrouble = (await lastLines(paths.consoleLog, 1)).length > 0;
    throw new InfraError(`kafka exited while starting (${exit}); see ${jvmTrouble ? paths.consoleLog : paths.brokerLog}`);
  }
  if (!answered) throw new InfraError(`kafka did not answer on ${brokers} within ${seconds}s; see ${paths.brokerLog}`);
  return { brokers, started: true, paths };
}

/** SIGTERM (a controlled shutdown), then SIGKILL if the broker has not exited in time. */
export async function stopKafka(cfg: InfraConfig, graceMs = 30_000): Promise<boolean> {
  const paths = kafkaPaths(cfg);
  const running = await runningKafka(paths);
  if (!running) return false;
  signalGroup(running.pid, 'SIGTERM');
  if (!(await pollUntil(() => Promise.resolve(!isAlive(running.pid)), graceMs, 100))) {
    signalGroup(running.pid, 'SIGKILL');
    await pollUntil(() => Promise.resolve(!isAlive(running.pid)), 10_000, 100);
  }
  // the listening sockets close with the process, but give the kernel a beat
  await sleep(50);
  await fs.rm(paths.pidFile, { force: true });
  return true;
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal); // the broker leads its own process group (spawned detached)
  } catch {
    try {
      process.kill(pid, signal);
    } catch {
      // already gone
    }
  }
}
