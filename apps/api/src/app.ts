// The api's composition: token verifier(s) and the messaging gRPC client → use-cases → REST
// routes on the runtime's HTTP server (ops endpoints, trace context, problem+json errors).
// Readiness is messaging's gRPC health. No I/O happens here until `lifecycle.start()`, except
// reading (or creating) the development issuer's key file when dev auth is on.
import cors from '@fastify/cors';
import { type DevIssuer, type TokenVerifier, createTokenVerifier } from '@careline/auth';
import {
  type Lifecycle,
  type Logger,
  type HttpServer,
  type Resource,
  createHttpServer,
  createLifecycle,
  createMetrics,
} from '@careline/runtime';
import { combineVerifiers } from './auth/principal';
import { loadDevIssuer } from './auth/dev-issuer';
import type { Config } from './config';
import { type MessagingClient, createMessagingClient } from './grpc/messaging-client';
import { createRouter } from './http/router';
import { registerConversationRoutes } from './routes/conversations';
import { registerDevRoutes } from './routes/dev';
import { registerDocsRoutes } from './routes/docs';
import { registerMeRoutes } from './routes/me';
import { createInboxUseCases } from './use-cases';

export const API_VERSION = '0.1.0';

export interface AppDeps {
  logger: Logger;
  /** Default: a client of `config.messaging.target`. */
  messaging?: MessagingClient;
  /** Default: the configured OIDC issuer and/or the development issuer. */
  verifier?: TokenVerifier;
  clock?: () => Date;
}

export interface App {
  lifecycle: Lifecycle;
  http: HttpServer;
}

const API_DESCRIPTION = `The REST edge of Careline for care teams and hospital integrators.

Every request carries a bearer token that names one tenant (hospital) and the caller's roles; the tenant is always the token's, never one named in a request. Errors are \`application/problem+json\` with a stable \`code\`.`;

export async function buildApp(config: Config, deps: AppDeps): Promise<App> {
  const { logger } = deps;
  const clock = deps.clock ?? (() => new Date());
  const lifecycle = createLifecycle({ logger, shutdownTimeoutMs: config.shutdownTimeoutMs });

  const devIssuer =
    config.auth.dev === undefined
      ? undefined
      : await loadDevIssuer({ ...config.auth.dev, audience: config.auth.audience });
  const verifier = deps.verifier ?? buildVerifier(config, devIssuer);

  const messaging = deps.messaging ?? createMessagingClient(config.messaging);
  const messagingResource: Resource = {
    name: 'grpc-client:messaging',
    // Connecting is lazy: the api starts (and reports not ready) while messaging is still down.
    start: () => Promise.resolve(),
    stop: () => {
      messaging.close();
      return Promise.resolve();
    },
  };

  const http = createHttpServer({
    name: 'api',
    host: config.http.host,
    port: config.http.port,
    logger,
    registry: createMetrics({ labels: { service: 'api' } }),
    readiness: [{ name: 'messaging', check: () => messaging.checkHealth() }],
  });

  if (config.corsOrigins.length > 0) {
    await http.app.register(cors, {
      origin: config.corsOrigins,
      methods: ['GET', 'POST'],
      allowedHeaders: ['authorization', 'content-type', 'idempotency-key', 'traceparent', 'x-request-id'],
      exposedHeaders: ['traceparent', 'x-request-id', 'www-authenticate'],
      maxAge: 600,
    });
  }

  const router = createRouter({ app: http.app, verifier });
  registerMeRoutes(router);
  registerConversationRoutes(router, createInboxUseCases({ messaging, clock }));
  if (devIssuer !== undefined) {
    logger.warn(
      { issuer: devIssuer.issuer },
      'development auth is ON: POST /dev/token mints tokens for anyone',
    );
    registerDevRoutes(router, devIssuer);
  }
  registerDocsRoutes(router, { title: 'Careline API', version: API_VERSION, description: API_DESCRIPTION });

  lifecycle.add(messagingResource);
  lifecycle.add(http.resource); // last: starts last, stops (and drains) first
  return { lifecycle, http };
}

/** Trusts the development issuer (when on) first, then the configured OIDC provider (when set). */
function buildVerifier(config: Config, devIssuer: DevIssuer | undefined): TokenVerifier {
  const verifiers: TokenVerifier[] = [];
  const { audience, external } = config.auth;
  if (devIssuer !== undefined) {
    verifiers.push(createTokenVerifier({ issuer: devIssuer.issuer, audience, jwks: devIssuer.publicJwks() }));
  }
  if (external !== undefined) {
    verifiers.push(
      createTokenVerifier({ issuer: external.issuer, audience, jwks: { url: external.jwksUrl } }),
    );
  }
  return combineVerifiers(verifiers);
}
