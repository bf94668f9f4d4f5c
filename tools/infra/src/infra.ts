import { kafkaBrokers, postgresUrl, resolveConfig, type InfraConfig, type InfraOptions } from './config';
import { InfraError } from './errors';
import { withStateLock } from './lock';
import { ensureKafka, kafkaPaths, probeKafka, runningKafka, stopKafka } from './kafka';
import { describeUrl, ensurePostgres, postgresPaths, probePostgres, runningPostgres, stopPostgres } from './postgres';
import { pollUntil } from './proc';

export interface InfraResult {
  databaseUrl: string;
  kafkaBrokers: string;
  /** What this call started; false means it reused a running instance or an explicit URL. */
  started: { postgres: boolean; kafka: boolean };
  stateDir: string;
  /** Log files of the local processes (absent for a part given by an explicit URL). */
  logs: { postgres?: string; kafka?: string };
  /** Where the local Postgres keeps its files (absent when DATABASE_URL was given). */
  postgresDir?: string;
}

/**
 * Makes Postgres and Kafka answer: explicit `DATABASE_URL` / `KAFKA_BROKERS` are only checked,
 * otherwise the local instances of the state dir are reused or started (detached, so they outlive
 * the caller). Safe to call from several processes at once.
 */
export async function ensureInfra(options: InfraOptions = {}): Promise<InfraResult> {
  const cfg = resolveConfig(options);
  const needsLocal = cfg.explicitDatabaseUrl === undefined || cfg.explicitKafkaBrokers === undefined;
  const run = async (): Promise<InfraResult> => {
    const [pgUp, kafkaUp] = await Promise.allSettled([postgresPart(cfg), kafkaPart(cfg)]);
    const failures = [pgUp, kafkaUp].flatMap((part) => (part.status === 'rejected' ? [reason(part.reason)] : []));
    if (pgUp.status === 'rejected' || kafkaUp.status === 'rejected') throw new InfraError(failures.join('\n'));
    return {
      databaseUrl: pgUp.value.url,
      kafkaBrokers: kafkaUp.value.brokers,
      started: { postgres: pgUp.value.started, kafka: kafkaUp.value.started },
      stateDir: cfg.stateDir,
      logs: { postgres: pgUp.value.log, kafka: kafkaUp.value.log },
      postgresDir: pgUp.value.dir,
    };
  };
  // The lock waits out another caller's start (initdb, first Maven fetch) before giving up.
  return needsLocal ? withLock(cfg, run) : run();
}

function withLock<T>(cfg: InfraConfig, fn: () => Promise<T>): Promise<T> {
  return withStateLock(cfg.stateDir, 10 * 60_000, fn);
}

interface PartUp {
  started: boolean;
  log?: string;
}

async function postgresPart(cfg: InfraConfig): Promise<PartUp & { url: string; dir?: string }> {
  if (cfg.explicitDatabaseUrl !== undefined) {
    const url = cfg.explicitDatabaseUrl;
    if (!(await pollUntil(() => probePostgres(url), cfg.timeoutMs, 250))) {
      throw new InfraError(`postgres did not answer at DATABASE_URL (${describeUrl(url)}) within ${Math.round(cfg.timeoutMs / 1000)}s`);
    }
    return { url, started: false };
  }
  const up = await ensurePostgres(cfg);
  return { url: up.url, started: up.started, log: up.paths.logFile, dir: up.paths.baseDir };
}

async function kafkaPart(cfg: InfraConfig): Promise<PartUp & { brokers: string }> {
  if (cfg.explicitKafkaBrokers !== undefined) {
    const brokers = cfg.explicitKafkaBrokers;
    if (!(await pollUntil(() => probeKafka(brokers), cfg.timeoutMs, 250))) {
      throw new InfraError(`kafka did not answer at KAFKA_BROKERS (${brokers}) within ${Math.round(cfg.timeoutMs / 1000)}s`);
    }
    return { brokers, started: false };
  }
  const up = await ensureKafka(cfg);
  return { brokers: up.brokers, started: up.started, log: up.paths.brokerLog };
}

function reason(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Stops the local Postgres and broker of the state dir, whatever `DATABASE_URL` / `KAFKA_BROKERS`
 * say (those point elsewhere and are never stopped). Returns what was running.
 */
export async function stopInfra(options: InfraOptions = {}): Promise<{ stopped: { postgres: boolean; kafka: boolean } }> {
  const cfg = resolveConfig(options);
  return withLock(cfg, async () => {
    const [postgres, kafka] = await Promise.all([stopPostgres(cfg), stopKafka(cfg)]);
    return { stopped: { postgres, kafka } };
  });
}

export interface PartStatus {
  /** `local`: managed by this tool in the state dir; `external`: given by DATABASE_URL / KAFKA_BROKERS. */
  source: 'local' | 'external';
  /** Local: the process runs. External: it answered a probe. */
  running: boolean;
  pid?: number;
  /** The URL (Postgres) or broker list (Kafka) clients use. */
  address: string;
  log?: string;
}

export interface InfraStatus {
  stateDir: string;
  postgres: PartStatus;
  kafka: PartStatus;
}

/** What runs where; never starts or stops anything. */
export async function infraStatus(options: InfraOptions = {}): Promise<InfraStatus> {
  const cfg = resolveConfig(options);
  const postgres = async (): Promise<PartStatus> => {
    if (cfg.explicitDatabaseUrl !== undefined) {
      return { source: 'external', running: await probePostgres(cfg.explicitDatabaseUrl), address: cfg.explicitDatabaseUrl };
    }
    const paths = await postgresPaths(cfg, false);
    const running = await runningPostgres(paths);
    const port = running?.port ?? cfg.postgresPort;
    return { source: 'local', running: running !== undefined, pid: running?.pid, address: postgresUrl(port), log: paths.logFile };
  };
  const kafka = async (): Promise<PartStatus> => {
    if (cfg.explicitKafkaBrokers !== undefined) {
      return { source: 'external', running: await probeKafka(cfg.explicitKafkaBrokers), address: cfg.explicitKafkaBrokers };
    }
    const paths = kafkaPaths(cfg);
    const running = await runningKafka(paths);
    const port = running?.port ?? cfg.kafkaPort;
    return { source: 'local', running: running !== undefined, pid: running?.pid, address: kafkaBrokers(port), log: paths.brokerLog };
  };
  const [pg, k] = await Promise.all([postgres(), kafka()]);
  return { stateDir: cfg.stateDir, postgres: pg, kafka: k };
}

/** The environment lines clients need: `DATABASE_URL` and `KAFKA_BROKERS`. */
export function infraEnv(options: InfraOptions = {}): { DATABASE_URL: string; KAFKA_BROKERS: string } {
  const cfg = resolveConfig(options);
  return {
    DATABASE_URL: cfg.explicitDatabaseUrl ?? postgresUrl(cfg.postgresPort),
    KAFKA_BROKERS: cfg.explicitKafkaBrokers ?? kafkaBrokers(cfg.kafkaPort),
  };
}
