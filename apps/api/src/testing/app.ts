// Builds the api in-process for tests: a test config (loopback, port 0, an OIDC issuer that the
// injected verifier stands in for) and the app with fakes where the test wants them.
import { TEST_AUDIENCE, TEST_ISSUER } from '@careline/auth/testing';
import { loadConfig } from '@careline/runtime';
import { captureLogger } from '@careline/runtime/testing';
import type { AuditEventV1 } from '@careline/contracts';
import { type App, type AppDeps, buildApp } from '../app';
import type { PublishAudit } from '../auth/access-audit';
import { type Config, configSchema } from '../config';

export function testConfig(env: Record<string, string | undefined> = {}): Config {
  return loadConfig(configSchema, {
    HTTP_HOST: '127.0.0.1',
    HTTP_PORT: '0',
    CARELINE_AUTH_ISSUER: TEST_ISSUER,
    CARELINE_AUTH_AUDIENCE: TEST_AUDIENCE,
    // Never fetched: tests inject a verifier, or switch to dev auth.
    CARELINE_AUTH_JWKS_URL: 'https://issuer.invalid/jwks.json',
    // Never connected to: buildTestApp records audit events in memory unless told otherwise.
    KAFKA_BROKERS: '127.0.0.1:9',
    ...env,
  });
}

export interface RecordedAuditEvent {
  event: AuditEventV1;
  id: string;
}

export interface TestApp extends App {
  logs(): string;
  /** Sign-in and refusal audit events the api published (when the test did not pass its own publishAudit). */
  auditEvents: RecordedAuditEvent[];
  close(): Promise<void>;
}

export async function buildTestApp(config: Config, deps: Omit<AppDeps, 'logger'> = {}): Promise<TestApp> {
  const captured = captureLogger({ name: 'api' });
  const auditEvents: RecordedAuditEvent[] = [];
  const publishAudit: PublishAudit = (event, id) => {
    auditEvents.push({ event, id });
    return Promise.resolve();
  };
  const app = await buildApp(config, { logger: captured.logger, publishAudit, ...deps });
  return {
    ...app,
    auditEvents,
    logs: () => captured.text(),
    // In-process tests never start the lifecycle (app.inject readies fastify by itself).
    close: () => (app.lifecycle.state() === 'idle' ? app.http.app.close() : app.lifecycle.stop()),
  };
}
