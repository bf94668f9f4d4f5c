// The environment every Careline service shares (docs/engineering.md, "Environment"): defined
// once here and spread into each service's config schema, so that names, defaults and checks are
// the same everywhere. A service adds only what is its own.
import { z } from 'zod';
import { bool, brokers, durationMs, int, logLevel, port, str, url } from './config';

/** Logging and shutdown: every process. */
export const baseEnv = {
  LOG_LEVEL: logLevel().default('info'),
  /** How long a SIGTERM drain may take before the process gives up on a resource. */
  SHUTDOWN_TIMEOUT: durationMs().default(10_000),
};

/** The HTTP listener (health, readiness, metrics and the service's own routes). 0 = any free port. */
export function httpEnv(defaultPort: number) {
  return {
    HTTP_HOST: str().default('0.0.0.0'),
    HTTP_PORT: port({ allowZero: true }).default(defaultPort),
  };
}

/** The gRPC listener. 0 = any free port. */
export function grpcEnv(defaultPort: number) {
  return {
    GRPC_HOST: str().default('0.0.0.0'),
    GRPC_PORT: port({ allowZero: true }).default(defaultPort),
  };
}

/** The service's own Postgres role (never a superuser: row-level security must apply). */
export const databaseEnv = {
  DATABASE_URL: url({ protocols: ['postgres', 'postgresql'] }),
  DATABASE_POOL_MAX: int({ min: 2, max: 200 }).default(10),
};

/**
 * Kafka. KAFKA_TOPIC_PREFIX namespaces topics and consumer groups on a shared broker (test suites,
 * side-by-side deployments); KAFKA_CREATE_TOPICS creates the service's topics at start when
 * missing (local use; production provisions topics and sets it to false).
 */
export function kafkaEnv(clientId: string) {
  return {
    KAFKA_BROKERS: brokers(),
    KAFKA_TOPIC_PREFIX: z
      .string()
      .regex(/^[A-Za-z0-9._-]{0,100}$/, { error: 'may contain only letters, digits, ".", "_" and "-"' })
      .default(''),
    KAFKA_CLIENT_ID: str().default(clientId),
    KAFKA_CREATE_TOPICS: bool().default(true),
  };
}
