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
  PROBLEM_CONTENT_TYPE,
  createHttpServer,
  createLifecycle,
  createMetrics,
} from '@careline/runtime';
import { EVENT_KEYS, auditEvent } from '@careline/contracts';
import { createKafka, createProducer } from '@careline/bus';
import { type PublishAudit, createAccessAudit } from './auth/access-audit';
import { combineVerifiers } from './auth/principal';
import { loadDevIssuer } from './auth/dev-issuer';
import type { Config } from './config';
import { type AuditClient, createAuditClient } from './grpc/audit-client';
import { type DirectoryClient, createDirectoryClient } from './grpc/directory-client';
import { type GatewayClient, createGatewayClient } from './grpc/gateway-client';
import { type MessagingClient, createMessagingClient } from './grpc/messaging-client';
import { createRouter } from './http/router';
import { registerAdminRoutes } from './routes/admin';
import { registerHospitalRoutes } from './routes/hospital';
import { registerAuditRoutes } from './routes/audit';
import { registerConversationRoutes } from './routes/conversations';
import { registerInboxRoutes } from './routes/inbox';
import { registerStreamRoute } from './routes/stream';
import { createInboxRouteUseCases } from './use-cases/inbox';
import { registerMediaRoutes } from './routes/media';
import { createGetMedia } from './use-cases/get-media';
import { registerDevRoutes } from './routes/dev';
import { registerDocsRoutes } from './routes/docs';
import { registerMeRoutes } from './routes/me';
import { registerTemplateRoutes } from './routes/templates';
import { createInboxUseCases } from './use-cases';
import { createTemplateUseCases } from './use-cases/templates';
import { createAdminUseCases } from './use-cases/admin';
import { createAuditUseCases } from './use-cases/audit';
import multipart from '@fastify/multipart';
import { type RecordsClient, createRecordsClient } from './grpc/records-client';
import { acceptFhirJson, registerFhirRoutes } from './routes/fhir';
import { registerPatientRoutes } from './routes/patients';
import { registerRecordRoutes } from './routes/records';
import { createRecordsUseCases } from './use-cases/records';
import { type SchedulingClient, createSchedulingClient } from './grpc/scheduling-client';
import { registerPolicyRoutes } from './routes/policies';
import { registerErasureRoutes, registerRetentionRoutes } from './routes/erasure';
import { createErasureUseCases } from './use-cases/erasure';
import { createPolicyUseCases } from './use-cases/policies';
import { registerAppointmentRoutes } from './routes/appointments';
import { registerReportRoutes } from './routes/reports';
import { registerSchedulingRoutes } from './routes/scheduling';
import { createSchedulingUseCases } from './use-cases/scheduling';

export const API_VERSION = '0.1.0';

export interface AppDeps {
  logger: Logger;
  /** Default: a client of `config.messaging.target`. */
  messaging?: MessagingClient;
  /** Default: a client of `config.audit.target`. */
  audit?: AuditClient;
  /** Default: a ChannelService client of `config.gateway.target`. */
  gateway?: GatewayClient;
  /** Default: a TenantDirectoryService client of `config.messaging.target`. */
  directory?: DirectoryClient;
  /** Default: a RecordsService client of `config.records.target`. */
  records?: RecordsClient;
  /** Default: a SchedulingService client of `config.scheduling.target` (appointments, set-up, reminder policy). */
  scheduling?: SchedulingClient;
  /** Default: the configured OIDC issuer and/or the development issuer. */
  verifier?: TokenVerifier;
  /** Where sign-in and refusal audit events go. Default: a Kafka producer on `config.kafka`. */
  publishAudit?: PublishAudit;
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

  const audit = deps.audit ?? createAuditClient(config.audit);
  // Lazy like messaging's, and not a readiness check: an audit outage answers 503 on the audit
  // routes only, it must not take the inbox out of service.
  const auditResource: Resource = {
    name: 'grpc-client:audit',
    start: () => Promise.resolve(),
    stop: () => {
      audit.close();
      return Promise.resolve();
    },
  };

  // Admin routes only: lazy, and not readiness checks (a gateway outage must not take the inbox
  // out of service; the admin routes answer 503 meanwhile).
  const gateway = deps.gateway ?? createGatewayClient(config.gateway);
  const directory = deps.directory ?? createDirectoryClient(config.messaging);
  const adminClientsResource: Resource = {
    name: 'grpc-client:admin',
    start: () => Promise.resolve(),
    stop: () => {
      gateway.close();
      directory.close();
      return Promise.resolve();
    },
  };

  // Lazy and not a readiness check, like the admin clients: a records outage answers 503 on the
  // patient and document routes only.
  const records = deps.records ?? createRecordsClient(config.records);
  const recordsResource: Resource = {
    name: 'grpc-client:records',
    start: () => Promise.resolve(),
    stop: () => {
      records.close();
      return Promise.resolve();
    },
  };

  // Appointments, the calendar set-up and the reminder policy: lazy and not a readiness check, like
  // the others (a scheduling outage answers 503 on those routes only).
  const scheduling = deps.scheduling ?? createSchedulingClient(config.scheduling);
  const schedulingResource: Resource = {
    name: 'grpc-client:scheduling',
    start: () => Promise.resolve(),
    stop: () => {
      scheduling.close();
      return Promise.resolve();
    },
  };

  let publishAudit = deps.publishAudit;
  if (publishAudit === undefined) {
    const kafka = createKafka({ ...config.kafka, logger });
    const producer = lifecycle.add(createProducer(kafka));
    publishAudit = async (event, id) => {
      await producer.publish(auditEvent, {
        key: EVENT_KEYS.auditEvents(event),
        tenantId: event.tenantId,
        payload: event,
        id,
        source: '/careline/api',
      });
    };
  }
  const registry = createMetrics({ labels: { service: 'api' } });
  const accessAudit = createAccessAudit({ publish: publishAudit, logger, registry, clock });

  const http = createHttpServer({
    name: 'api',
    host: config.http.host,
    port: config.http.port,
    logger,
    registry,
    readiness: [{ name: 'messaging', check: () => messaging.checkHealth() }],
  });

  if (config.corsOrigins.length > 0) {
    // An OPTIONS that is not a CORS preflight (no Origin or no Access-Control-Request-Method) is
    // refused like any bad request, as problem+json, before the plugin's plain-text 400.
    http.app.addHook('onRequest', (request, reply, done) => {
      if (request.method === 'OPTIONS' && (request.headers.origin === undefined || request.headers['access-control-request-method'] === undefined)) {
        void reply.code(400).type(PROBLEM_CONTENT_TYPE).send({
          type: 'urn:careline:problem:invalid_preflight',
          title: 'Bad Request',
          status: 400,
          code: 'invalid_preflight',
          detail: 'An OPTIONS request must be a CORS preflight (Origin and Access-Control-Request-Method).',
        });
        return;
      }
      done();
    });
    await http.app.register(cors, {
      origin: config.corsOrigins,
      methods: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'],
      allowedHeaders: ['authorization', 'content-type', 'idempotency-key', 'traceparent', 'x-request-id'],
      exposedHeaders: ['traceparent', 'x-request-id', 'www-authenticate'],
      maxAge: 600,
    });
  }

  const router = createRouter({ app: http.app, verifier, accessAudit });
  registerMeRoutes(router);
  registerConversationRoutes(router, createInboxUseCases({ messaging, clock }));
  // the care team's inbox: assignment, state, notes, read receipts, routing rules, live stream
  registerInboxRoutes(router, createInboxRouteUseCases({ messaging, clock }));
  await registerStreamRoute({ app: http.app, router, verifier, accessAudit, messaging, logger, clock });
  registerMediaRoutes(router, createGetMedia({ messaging }));
  registerTemplateRoutes(router, createTemplateUseCases({ messaging }));
  registerAuditRoutes(router, createAuditUseCases({ audit }));
  const adminUseCases = createAdminUseCases({ gateway, directory });
  registerAdminRoutes(router, adminUseCases);
  // the hospital's name and teams for its staff (read-only; the admin routes change them)
  registerHospitalRoutes(router, adminUseCases);
  // patients, documents, shares, FHIR: multipart uploads are read by the upload route itself (its
  // own limits); the plugin's global limits are only a backstop
  await http.app.register(multipart, { limits: { fileSize: config.records.maxDocumentBytes, files: 1, parts: 10 } });
  acceptFhirJson(http.app);
  const recordsUseCases = createRecordsUseCases({ records });
  registerPatientRoutes(router, recordsUseCases);
  registerRecordRoutes(router, recordsUseCases, { maxDocumentBytes: config.records.maxDocumentBytes });
  registerFhirRoutes(router, recordsUseCases);
  registerPolicyRoutes(router, createPolicyUseCases({ scheduling, records }));
  // erasure of a patient's messaging data and the retention policy (issue 7; messaging only)
  const erasureUseCases = createErasureUseCases({ messaging });
  registerErasureRoutes(router, erasureUseCases);
  registerRetentionRoutes(router, erasureUseCases);
  // the calendar set-up, availability, appointments and no-show figures (scheduling)
  const schedulingUseCases = createSchedulingUseCases({ scheduling });
  registerSchedulingRoutes(router, schedulingUseCases);
  registerAppointmentRoutes(router, schedulingUseCases);
  registerReportRoutes(router, schedulingUseCases);
  if (devIssuer !== undefined) {
    logger.warn(
      { issuer: devIssuer.issuer },
      'development auth is ON: POST /dev/token mints tokens for anyone',
    );
    registerDevRoutes(router, devIssuer);
  }
  registerDocsRoutes(router, { title: 'Careline API', version: API_VERSION, description: API_DESCRIPTION });

  lifecycle.add(messagingResource);
  lifecycle.add(auditResource);
  lifecycle.add(adminClientsResource);
  lifecycle.add(recordsResource);
  lifecycle.add(schedulingResource);
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
