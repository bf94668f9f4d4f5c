/**
 * vitest globalSetup for projects with integration tests:
 *   globalSetup: ['../../libs/testing/src/global-setup.ts']
 * Picks the infrastructure in this order: explicit DATABASE_URL / KAFKA_BROKERS; testcontainers
 * when a Docker engine answers; else the local tools (`@careline/infra`, reusing what runs).
 * It runs in vitest's main process before any worker starts, and workers inherit process.env, so
 * setting the variables here is what hands them to the tests (see global-setup.int.test.ts).
 */
import { ensureInfra } from '@careline/infra';
import { dockerAnswers } from './docker';
import type { TestEnv } from './env';

type Teardown = () => Promise<void>;

export default async function setup(): Promise<Teardown> {
  const { env, teardown } = await provision(process.env);
  process.env.DATABASE_URL = env.databaseUrl;
  process.env.KAFKA_BROKERS = env.kafkaBrokers;
  return teardown;
}

async function provision(environment: NodeJS.ProcessEnv): Promise<{ env: TestEnv; teardown: Teardown }> {
  const explicitDb = nonEmpty(environment.DATABASE_URL);
  const explicitKafka = nonEmpty(environment.KAFKA_BROKERS);
  if (explicitDb !== undefined && explicitKafka !== undefined) {
    return {
      env: { databaseUrl: explicitDb, kafkaBrokers: explicitKafka },
      teardown: () => Promise.resolve(),
    };
  }
  if (await dockerAnswers(environment)) return fromContainers(explicitDb, explicitKafka);
  // ensureInfra honours an explicit half and starts (or reuses) the rest; left running for reuse.
  const infra = await ensureInfra({ env: environment, log: (line) => console.error(`[infra] ${line}`) });
  return {
    env: { databaseUrl: infra.databaseUrl, kafkaBrokers: infra.kafkaBrokers },
    teardown: () => Promise.resolve(),
  };
}

/** Containers only for the parts not given explicitly; stopped again by the teardown. */
async function fromContainers(
  explicitDb: string | undefined,
  explicitKafka: string | undefined,
): Promise<{ env: TestEnv; teardown: Teardown }> {
  const stops: Teardown[] = [];
  const teardown: Teardown = async () => {
    await Promise.allSettled(stops.map((stop) => stop()));
  };
  try {
    const [databaseUrl, kafkaBrokers] = await Promise.all([
      explicitDb ?? startPostgresContainer(stops),
      explicitKafka ?? startKafkaContainer(stops),
    ]);
    return { env: { databaseUrl, kafkaBrokers }, teardown };
  } catch (error) {
    await teardown();
    throw error;
  }
}

// Lazy imports: machines without Docker never load testcontainers.
async function startPostgresContainer(stops: Teardown[]): Promise<string> {
  const { PostgreSqlContainer } = await import('@testcontainers/postgresql');
  const container = await new PostgreSqlContainer('postgres:15-alpine')
    .withCommand(['postgres', '-c', 'max_connections=300', '-c', 'fsync=off'])
    .start();
  stops.push(async () => {
    await container.stop();
  });
  return container.getConnectionUri();
}

async function startKafkaContainer(stops: Teardown[]): Promise<string> {
  const { KafkaContainer } = await import('@testcontainers/kafka');
  // Same broker settings as the local tools: topics are created explicitly, 3 partitions.
  const container = await new KafkaContainer('confluentinc/cp-kafka:8.0.0')
    .withEnvironment({
      KAFKA_AUTO_CREATE_TOPICS_ENABLE: 'false',
      KAFKA_NUM_PARTITIONS: '3',
      KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR: '1',
    })
    .start();
  stops.push(async () => {
    await container.stop();
  });
  return `${container.getHost()}:${container.getMappedPort(9093)}`;
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}
