// Builds the api in-process for tests: a test config (loopback, port 0, an OIDC issuer that the
// injected verifier stands in for) and the app with fakes where the test wants them.
import { TEST_AUDIENCE, TEST_ISSUER } from '@careline/auth/testing';
import { loadConfig } from '@careline/runtime';
import { captureLogger } from '@careline/runtime/testing';
import { type App, type AppDeps, buildApp } from '../app';
import { type Config, configSchema } from '../config';

export function testConfig(env: Record<string, string | undefined> = {}): Config {
  return loadConfig(configSchema, {
    HTTP_HOST: '127.0.0.1',
    HTTP_PORT: '0',
    CARELINE_AUTH_ISSUER: TEST_ISSUER,
    CARELINE_AUTH_AUDIENCE: TEST_AUDIENCE,
    // Never fetched: tests inject a verifier, or switch to dev auth.
    CARELINE_AUTH_JWKS_URL: 'https://issuer.invalid/jwks.json',
    ...env,
  });
}

export interface TestApp extends App {
  logs(): string;
  close(): Promise<void>;
}

export async function buildTestApp(config: Config, deps: Omit<AppDeps, 'logger'> = {}): Promise<TestApp> {
  const captured = captureLogger({ name: 'api' });
  const app = await buildApp(config, { logger: captured.logger, ...deps });
  return {
    ...app,
    logs: () => captured.text(),
    // In-process tests never start the lifecycle (app.inject readies fastify by itself).
    close: () => (app.lifecycle.state() === 'idle' ? app.http.app.close() : app.lifecycle.stop()),
  };
}
