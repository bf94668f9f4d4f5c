// The OpenAPI document as a production api serves it at /openapi.json, for docs/openapi.json: the
// app built in-process with a production-shaped configuration (an OIDC issuer, development auth
// off, so the dev-only routes are not in it) and asked for its document. Nothing is started and
// nothing is connected to: the addresses below are never dialled.
import { loadConfig } from '@careline/runtime';
import { createLogger } from '@careline/runtime';
import { buildApp } from '../app';
import { configSchema } from '../config';

const PRODUCTION_SHAPED_ENV = {
  HTTP_HOST: '127.0.0.1',
  HTTP_PORT: '0',
  CARELINE_AUTH_ISSUER: 'https://issuer.example.org/',
  CARELINE_AUTH_JWKS_URL: 'https://issuer.example.org/.well-known/jwks.json',
  KAFKA_BROKERS: '127.0.0.1:9',
  CARELINE_DEV_AUTH: 'false',
};

/** docs/openapi.json's text: the document, two-space indented, with a final newline. */
export async function publishedOpenApiJson(): Promise<string> {
  const config = loadConfig(configSchema, PRODUCTION_SHAPED_ENV);
  const app = await buildApp(config, {
    logger: createLogger({ name: 'api', level: 'silent' }),
    // audit events of sign-ins are not part of the document; never published here
    publishAudit: () => Promise.resolve(),
  });
  try {
    const response = await app.http.app.inject({ method: 'GET', url: '/openapi.json' });
    if (response.statusCode !== 200) throw new Error(`GET /openapi.json answered ${response.statusCode}`);
    return `${JSON.stringify(response.json(), null, 2)}\n`;
  } finally {
    await app.http.app.close();
    // closes the gRPC channels buildApp made (never connected)
    await app.lifecycle.stop();
  }
}
