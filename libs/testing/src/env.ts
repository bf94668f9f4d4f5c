import { z } from 'zod';

/** What integration tests connect to; set by the global setup. */
export interface TestEnv {
  /** A superuser URL: tests create their own databases from it. */
  databaseUrl: string;
  /** Comma-separated `host:port` list. */
  kafkaBrokers: string;
}

const TestEnvSchema = z.object({
  DATABASE_URL: z.string().min(1, 'DATABASE_URL is empty').url('DATABASE_URL is not a URL'),
  KAFKA_BROKERS: z.string().min(1, 'KAFKA_BROKERS is empty'),
});

/**
 * The infrastructure URLs for this test run. The global setup puts them in the environment, which
 * vitest workers inherit; without it this fails with a message that says how to configure it.
 */
export function testEnv(env: NodeJS.ProcessEnv = process.env): TestEnv {
  if (env.DATABASE_URL === undefined || env.KAFKA_BROKERS === undefined) {
    throw new Error(
      "testEnv(): DATABASE_URL / KAFKA_BROKERS are not set. Add globalSetup: ['../../libs/testing/src/global-setup.ts'] " +
        "to this project's vitest.config.ts (it provides them), or set both variables yourself.",
    );
  }
  const parsed = TestEnvSchema.safeParse(env);
  if (!parsed.success)
    throw new Error(`testEnv(): ${parsed.error.issues.map((issue) => issue.message).join('; ')}`);
  return { databaseUrl: parsed.data.DATABASE_URL, kafkaBrokers: parsed.data.KAFKA_BROKERS };
}
