import { createHash } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { InfraError } from './errors';

/** Where the repository checkout is: the tool's own file sits at tools/infra/src/config.ts. */
export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

export const defaultPorts = { postgres: 5432, kafka: 9092 } as const;

export interface InfraOptions {
  /** State directory (pid files, logs, data). Default: `CARELINE_INFRA_DIR`, else `<repo>/.local`. */
  stateDir?: string;
  /** Postgres port on 127.0.0.1. Default: `CARELINE_PG_PORT`, else 5432. */
  postgresPort?: number;
  /** Kafka PLAINTEXT port on 127.0.0.1; the KRaft controller takes the next port. Default: `CARELINE_KAFKA_PORT`, else 9092. */
  kafkaPort?: number;
  /** How long to wait for each part to answer. Default 60 s. */
  timeoutMs?: number;
  /** Environment to read; default `process.env`. Tests pass their own to stay isolated. */
  env?: NodeJS.ProcessEnv;
  /** Progress lines (slow first-run steps); default: silent. */
  log?: (line: string) => void;
}

export interface InfraConfig {
  stateDir: string;
  postgresPort: number;
  kafkaPort: number;
  controllerPort: number;
  timeoutMs: number;
  /** Explicit `DATABASE_URL`: the tool then starts no Postgres and only checks it answers. */
  explicitDatabaseUrl: string | undefined;
  /** Explicit `KAFKA_BROKERS`: the tool then starts no broker and only checks it answers. */
  explicitKafkaBrokers: string | undefined;
  log: (line: string) => void;
}

// An empty variable counts as unset, as shells make `FOO= cmd` easy to write by accident.
const blankAsUnset = (value: unknown): unknown => (value === '' ? undefined : value);
const port = z.preprocess(blankAsUnset, z.coerce.number().int().min(1).max(65534).optional());
const text = z.preprocess(blankAsUnset, z.string().trim().min(1).optional());

const EnvSchema = z.object({
  CARELINE_INFRA_DIR: text,
  CARELINE_PG_PORT: port,
  CARELINE_KAFKA_PORT: port,
  DATABASE_URL: text,
  KAFKA_BROKERS: text,
});

/** Reads options and environment once; a bad variable fails with its name. */
export function resolveConfig(options: InfraOptions = {}): InfraConfig {
  const parsed = EnvSchema.safeParse(options.env ?? process.env);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const name = issue?.path.join('.') ?? 'environment';
    throw new InfraError(`invalid ${name}: ${issue?.message ?? 'unreadable'} (a port must be 1..65534)`);
  }
  const env = parsed.data;
  const kafkaPort = options.kafkaPort ?? env.CARELINE_KAFKA_PORT ?? defaultPorts.kafka;
  return {
    stateDir: path.resolve(options.stateDir ?? env.CARELINE_INFRA_DIR ?? path.join(repoRoot, '.local')),
    postgresPort: options.postgresPort ?? env.CARELINE_PG_PORT ?? defaultPorts.postgres,
    kafkaPort,
    controllerPort: kafkaPort + 1,
    timeoutMs: options.timeoutMs ?? 60_000,
    explicitDatabaseUrl: env.DATABASE_URL,
    explicitKafkaBrokers: env.KAFKA_BROKERS,
    log: options.log ?? (() => undefined),
  };
}

/**
 * Where Postgres keeps its files when the `postgres` user cannot reach the state dir (a checkout
 * under a mode-700 home): a per-state-dir folder in /var/tmp, which survives reboots unlike /tmp.
 */
export function fallbackPostgresDir(stateDir: string): string {
  const hash = createHash('sha256').update(stateDir).digest('hex').slice(0, 10);
  return path.join('/var/tmp', `careline-${hash}`, 'postgres');
}

export function postgresUrl(port: number): string {
  return `postgres://postgres@127.0.0.1:${port}/postgres`;
}

export function kafkaBrokers(port: number): string {
  return `127.0.0.1:${port}`;
}
