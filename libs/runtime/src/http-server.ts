// Every app's HTTP server starts from this: ops endpoints (/healthz, /readyz, /metrics), trace
// context, request ids, one log line per request (route pattern, status, duration; never URL,
// headers or body) and the HTTP edge's error translation (problem+json). Apps add their routes
// on `app` before the lifecycle starts it.
import { randomUUID } from 'node:crypto';
import { STATUS_CODES } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fastify, LogController, type FastifyBaseLogger, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { Resource } from './lifecycle';
import type { Logger } from './logger';
import { httpDurationHistogram, type Registry } from './metrics';
import { PROBLEM_CONTENT_TYPE, toProblem } from './problem';
import { type Check, type Readiness, evaluateReadiness } from './readiness';
import {
  TRACEPARENT_HEADER,
  type TraceContext,
  childTraceContext,
  formatTraceparent,
  recordSpan,
  runWithTraceContext,
} from './trace';

export interface HttpServerOptions {
  /** Names the resource in lifecycle logs. */
  name: string;
  /** 0 picks a free port (tests); read it back with `address()` after start. */
  port: number;
  /** Default 0.0.0.0 (reachable by the cluster's probes). */
  host?: string;
  logger: Logger;
  registry: Registry;
  readiness?: Readiness;
  /** Bound for each readiness check. Default 2000 ms. */
  readinessTimeoutMs?: number;
  /** Largest accepted request body. Default 1 MiB. */
  bodyLimit?: number;
  /** Forwarded-header trust, as fastify's `trustProxy`. Default false. */
  trustProxy?: boolean | string | string[];
}

export interface HttpServer {
  app: FastifyInstance;
  resource: Resource;
  /** The bound address after start (useful with port 0), else undefined. */
  address(): AddressInfo | undefined;
}

export const OPS_ROUTES = new Set(['/healthz', '/readyz', '/metrics']);
const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;
const UNMATCHED_ROUTE = 'unmatched';

function header(request: FastifyRequest, name: string): string | undefined {
  const value = request.headers[name];
  return typeof value === 'string' ? value : undefined;
}

function pathOf(url: string): string {
  const query = url.indexOf('?');
  return query === -1 ? url : url.slice(0, query);
}

export function createHttpServer(options: HttpServerOptions): HttpServer {
  const logger = options.logger.child({ component: 'http' });
  const histogram = httpDurationHistogram(options.registry);
  let draining = false;

  // Typed as fastify's base logger so `app` is the plain FastifyInstance that apps' plugins expect.
  const loggerInstance: FastifyBaseLogger = logger;
  const app = fastify({
    loggerInstance,
    // Fastify's own request lines log the URL (ids, query tokens); ours below log the route pattern.
    logController: new LogController({ disableRequestLogging: true, requestIdLogLabel: 'request_id' }),
    requestIdHeader: false,
    genReqId: (raw) => {
      const incoming = raw.headers['x-request-id'];
      return typeof incoming === 'string' && REQUEST_ID.test(incoming) ? incoming : randomUUID();
    },
    bodyLimit: options.bodyLimit ?? 1024 * 1024,
    trustProxy: options.trustProxy ?? false,
    return503OnClosing: true,
    // A malformed URL or an over-long path parameter fails in the router, before any hook: answer
    // it as every other refusal (problem+json with a code) instead of fastify's own JSON.
    // Errors Node's HTTP parser meets before fastify sees a request (headers too large, a broken
    // request line, a client too slow): the same problem+json, written on the socket as fastify would.
    clientErrorHandler: (error: NodeJS.ErrnoException, socket) => {
      if (error.code === 'ECONNRESET' || socket.destroyed) return;
      const status = error.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : error.code === 'HPE_HEADER_OVERFLOW' ? 431 : 400;
      const body = JSON.stringify(toProblem({ statusCode: status }));
      if (socket.writable) {
        socket.write(
          `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Bad Request'}\r\nContent-Length: ${Buffer.byteLength(body)}\r\nContent-Type: ${PROBLEM_CONTENT_TYPE}\r\nConnection: close\r\n\r\n${body}`,
        );
      }
      socket.destroy(error);
    },
    frameworkErrors: (error, request, reply: FastifyReply) => {
      const problem = toProblem(error, pathOf(request.url));
      void reply.code(problem.status).type(PROBLEM_CONTENT_TYPE).send(problem);
    },
  });

  // The trace of each request, kept beside it. Handlers run inside it (onRequest enters it, and
  // fastify binds body parsing to the request's async context); onResponse and the error handler
  // may be called from socket events, so they re-enter it explicitly for their log lines.
  const traces = new WeakMap<FastifyRequest, TraceContext>();
  const traceOf = (request: FastifyRequest): TraceContext => {
    let trace = traces.get(request);
    if (!trace) {
      trace = childTraceContext(undefined);
      traces.set(request, trace);
    }
    return trace;
  };

  app.addHook('onRequest', (request, reply, done) => {
    const trace = childTraceContext(header(request, TRACEPARENT_HEADER));
    traces.set(request, trace);
    void reply.header(TRACEPARENT_HEADER, formatTraceparent(trace)).header('x-request-id', request.id);
    runWithTraceContext(trace, done);
  });

  app.addHook('onResponse', (request, reply, done) => {
    const route = request.routeOptions.url ?? UNMATCHED_ROUTE;
    const seconds = reply.elapsedTime / 1000;
    histogram.observe({ method: request.method, route, status_code: String(reply.statusCode) }, seconds);
    if (!OPS_ROUTES.has(route)) {
      const endTimeMs = Date.now();
      recordSpan({
        name: `${request.method} ${route}`,
        kind: 'server',
        context: traceOf(request),
        startTimeMs: endTimeMs - reply.elapsedTime,
        endTimeMs,
        attributes: { 'http.request.method': request.method, 'http.route': route, 'http.response.status_code': reply.statusCode },
        error: reply.statusCode >= 500,
      });
    }
    runWithTraceContext(traceOf(request), () => {
      const line = { method: request.method, route, status: reply.statusCode, duration_ms: Math.round(reply.elapsedTime) };
      // Probes hit the ops routes every few seconds; they are noise at info.
      if (OPS_ROUTES.has(route)) request.log.debug(line, 'request completed');
      else request.log.info(line, 'request completed');
    });
    done();
  });

  app.setErrorHandler((error, request, reply) => {
    const problem = toProblem(error, pathOf(request.url));
    runWithTraceContext(traceOf(request), () => {
      const route = request.routeOptions.url ?? UNMATCHED_ROUTE;
      if (problem.status >= 500) request.log.error({ err: error, route, code: problem.code }, 'request failed');
      else request.log.debug({ route, code: problem.code, status: problem.status }, 'request rejected');
    });
    return reply.code(problem.status).type(PROBLEM_CONTENT_TYPE).send(problem);
  });

  app.setNotFoundHandler((request, reply) => {
    const problem = {
      ...toProblem({ statusCode: 404 }, pathOf(request.url)),
      code: 'route_not_found',
      type: 'urn:careline:problem:route_not_found',
      detail: 'No route matches this method and path.',
    };
    return reply.code(404).type(PROBLEM_CONTENT_TYPE).send(problem);
  });

  app.get('/healthz', (_request, reply) => reply.send({ status: 'ok' }));

  app.get('/readyz', async (_request, reply) => {
    const checks: Check[] = draining
      ? [{ name: 'lifecycle', ok: false, reason: 'draining' }]
      : await evaluateReadiness(options.readiness, options.readinessTimeoutMs);
    const failing = checks.filter((check) => !check.ok);
    if (failing.length > 0) {
      return reply.code(503).send({ status: 'not_ready', failing: failing.map(({ name, reason }) => ({ name, reason })) });
    }
    return { status: 'ready', checks: checks.map(({ name }) => name) };
  });

  app.get('/metrics', async (_request, reply) => {
    const body = await options.registry.metrics();
    return reply.type(options.registry.contentType).send(body);
  });

  const address = (): AddressInfo | undefined => {
    const bound = app.server.address();
    return bound !== null && typeof bound === 'object' ? bound : undefined;
  };

  const resource: Resource = {
    name: `http:${options.name}`,
    async start() {
      await app.listen({ port: options.port, host: options.host ?? '0.0.0.0' });
    },
    drain() {
      draining = true;
    },
    async stop() {
      draining = true;
      await app.close();
    },
  };

  return { app, resource, address };
}
