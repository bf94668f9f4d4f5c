import { afterEach, describe, expect, it } from 'vitest';
import { failedPrecondition } from './errors';
import { createHttpServer, type HttpServer } from './http-server';
import { createLifecycle } from './lifecycle';
import { createMetrics } from './metrics';
import type { ReadinessProbe } from './readiness';
import { captureLogger } from './test-helpers';
import { currentTraceId, parseTraceparent } from './trace';

const MARKER = 'PATIENT-MARKER-77aa';
const PARENT = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';

const servers: HttpServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.app.close()));
});

function build(readiness: ReadinessProbe[] = []) {
  const captured = captureLogger();
  const registry = createMetrics();
  const server = createHttpServer({ name: 'test', port: 0, host: '127.0.0.1', logger: captured.logger, registry, readiness });
  servers.push(server);
  const { app } = server;
  app.get('/v1/patients/:id', () => ({ trace: currentTraceId() }));
  app.post(
    '/v1/messages',
    { schema: { body: { type: 'object', required: ['to'], properties: { to: { type: 'string' }, text: { type: 'string' } } } } },
    () => ({ trace: currentTraceId() }),
  );
  app.get('/v1/closed', () => {
    throw failedPrecondition('window_closed', 'The 24-hour window is closed.', { details: { conversationId: 'c-1' } });
  });
  app.get('/v1/boom', () => {
    throw new Error(`insert failed for ${MARKER}`);
  });
  return { ...captured, registry, server, app };
}

describe('ops endpoints', () => {
  it('GET /healthz answers 200 while the process runs', async () => {
    const { app } = build();
    const response = await app.inject({ method: 'GET', url: '/healthz' });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ status: 'ok' });
  });

  it('GET /readyz is 200 when every check passes, 503 listing failures (without secrets) otherwise', async () => {
    let dbUp = true;
    const { app } = build([
      { name: 'kafka', check: () => true },
      {
        name: 'postgres',
        check: () => {
          if (!dbUp) throw Object.assign(new Error(`password authentication failed for postgres://u:${MARKER}@db`), { code: '28P01' });
        },
      },
    ]);
    const ready = await app.inject({ method: 'GET', url: '/readyz' });
    expect(ready.statusCode).toBe(200);
    expect(ready.json()).toEqual({ status: 'ready', checks: ['kafka', 'postgres'] });

    dbUp = false;
    const notReady = await app.inject({ method: 'GET', url: '/readyz' });
    expect(notReady.statusCode).toBe(503);
    expect(notReady.json()).toEqual({ status: 'not_ready', failing: [{ name: 'postgres', reason: '28P01' }] });
    expect(notReady.body).not.toContain(MARKER);

    dbUp = true;
    expect((await app.inject({ method: 'GET', url: '/readyz' })).statusCode).toBe(200);
  });

  it('GET /readyz times out a hanging check and reports 503', async () => {
    const captured = captureLogger();
    const server = createHttpServer({
      name: 'test',
      port: 0,
      logger: captured.logger,
      registry: createMetrics({ defaultMetrics: false }),
      readiness: [{ name: 'hangs', check: () => new Promise(() => undefined) }],
      readinessTimeoutMs: 30,
    });
    servers.push(server);
    const response = await server.app.inject({ method: 'GET', url: '/readyz' });
    expect(response.statusCode).toBe(503);
    expect(response.json()).toEqual({ status: 'not_ready', failing: [{ name: 'hangs', reason: 'timed out after 30 ms' }] });
  });

  it('GET /readyz turns 503 as soon as a drain begins', async () => {
    const { app, server } = build();
    server.resource.drain?.();
    const response = await app.inject({ method: 'GET', url: '/readyz' });
    expect(response.statusCode).toBe(503);
    expect(response.json()).toEqual({ status: 'not_ready', failing: [{ name: 'lifecycle', reason: 'draining' }] });
  });

  it('GET /metrics exposes process metrics and request durations by route pattern, never raw URLs', async () => {
    const { app } = build();
    await app.inject({ method: 'GET', url: '/v1/patients/p-123456?phone=447700900123' });
    await app.inject({ method: 'GET', url: '/v1/patients/p-999999' });
    await app.inject({ method: 'GET', url: '/v1/closed' });
    await app.inject({ method: 'GET', url: '/no/such/route/p-42' });
    const response = await app.inject({ method: 'GET', url: '/metrics' });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toContain('text/plain');
    const body = response.body;
    expect(body).toContain('process_cpu_user_seconds_total');
    expect(body).toContain('# TYPE http_request_duration_seconds histogram');
    expect(body).toContain('http_request_duration_seconds_count{method="GET",route="/v1/patients/:id",status_code="200"} 2');
    expect(body).toContain('http_request_duration_seconds_count{method="GET",route="/v1/closed",status_code="409"} 1');
    expect(body).toContain('http_request_duration_seconds_count{method="GET",route="unmatched",status_code="404"} 1');
    for (const raw of ['p-123456', 'p-999999', '447700900123', 'p-42']) expect(body).not.toContain(raw);
  });

  it('gives each app its own registry, so several apps live in one process', async () => {
    const a = build();
    const b = build();
    await a.app.inject({ method: 'GET', url: '/v1/patients/1' });
    expect(await a.registry.getSingleMetricAsString('http_request_duration_seconds')).toContain('route="/v1/patients/:id"');
    expect(await b.registry.getSingleMetricAsString('http_request_duration_seconds')).not.toContain('/v1/patients/:id');
  });
});

describe('errors become problem+json', () => {
  it('a DomainError keeps its code, status, message and details', async () => {
    const { app } = build();
    const response = await app.inject({ method: 'GET', url: '/v1/closed' });
    expect(response.statusCode).toBe(409);
    expect(response.headers['content-type']).toContain('application/problem+json');
    expect(response.json()).toEqual({
      type: 'urn:careline:problem:window_closed',
      title: 'Conflict',
      status: 409,
      code: 'window_closed',
      detail: 'The 24-hour window is closed.',
      instance: '/v1/closed',
      details: { conversationId: 'c-1' },
    });
  });

  it('anything else is a generic 500, logged without its message', async () => {
    const { app, text } = build();
    const response = await app.inject({ method: 'GET', url: '/v1/boom' });
    expect(response.statusCode).toBe(500);
    expect(response.json()).toMatchObject({ code: 'internal', detail: 'An internal error occurred.' });
    expect(response.body).not.toContain(MARKER);
    expect(text()).toContain('request failed');
    expect(text()).not.toContain(MARKER);
  });

  it('validation failures are 400 invalid_request naming the field, not the value', async () => {
    const { app } = build();
    const response = await app.inject({ method: 'POST', url: '/v1/messages', payload: { text: MARKER } });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({
      code: 'invalid_request',
      details: { errors: [{ path: 'body', message: "must have required property 'to'" }] },
    });
    expect(response.body).not.toContain(MARKER);
  });

  it('a malformed JSON body is a 400 that does not quote the body', async () => {
    const { app, text } = build();
    const response = await app.inject({
      method: 'POST',
      url: '/v1/messages',
      headers: { 'content-type': 'application/json' },
      payload: `{"to": "${MARKER}", `,
    });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({ code: 'bad_request' });
    expect(response.body + text()).not.toContain(MARKER);
  });

  it('an over-long path parameter or a malformed URL is a problem too (the router refuses it before any hook)', async () => {
    const { app } = build();
    app.get('/v1/things/:id', () => ({ ok: true }));
    const long = await app.inject({ method: 'GET', url: `/v1/things/${'x'.repeat(300)}` });
    expect(long.statusCode).toBe(414);
    expect(long.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(long.json()).toMatchObject({ code: 'uri_too_long', status: 414 });
    const malformed = await app.inject({ method: 'GET', url: '/v1/things/%E0%A4%A' });
    expect(malformed.statusCode).toBe(400);
    expect(malformed.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(malformed.json()).toMatchObject({ code: 'bad_request', status: 400 });
  });

  it('an unknown route is a 404 problem', async () => {
    const { app } = build();
    const response = await app.inject({ method: 'GET', url: '/nope' });
    expect(response.statusCode).toBe(404);
    expect(response.json()).toMatchObject({ code: 'route_not_found', status: 404 });
  });
});

describe('trace context, request ids and request logs', () => {
  it('continues an incoming traceparent through hooks, body parsing and the handler', async () => {
    const { app } = build();
    for (const request of [
      { method: 'GET' as const, url: '/v1/patients/1' },
      { method: 'POST' as const, url: '/v1/messages', payload: { to: 'x' } },
    ]) {
      const response = await app.inject({ ...request, headers: { traceparent: PARENT } });
      expect(response.json()).toEqual({ trace: '4bf92f3577b34da6a3ce929d0e0e4736' });
      const returned = parseTraceparent(response.headers.traceparent as string);
      expect(returned?.traceId).toBe('4bf92f3577b34da6a3ce929d0e0e4736');
      expect(returned?.spanId).not.toBe('00f067aa0ba902b7');
    }
  });

  it('starts a new trace without a (valid) traceparent', async () => {
    const { app } = build();
    const response = await app.inject({ method: 'GET', url: '/v1/patients/1', headers: { traceparent: 'junk' } });
    const trace = (response.json<{ trace: string }>()).trace;
    expect(trace).toMatch(/^[0-9a-f]{32}$/);
    expect(parseTraceparent(response.headers.traceparent as string)?.traceId).toBe(trace);
  });

  it('echoes a well-formed x-request-id and replaces a malformed one', async () => {
    const { app } = build();
    const kept = await app.inject({ method: 'GET', url: '/healthz', headers: { 'x-request-id': 'req-123' } });
    expect(kept.headers['x-request-id']).toBe('req-123');
    const replaced = await app.inject({ method: 'GET', url: '/healthz', headers: { 'x-request-id': 'bad id <script>' } });
    expect(replaced.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('logs one line per request with route pattern, status, request id and trace id; never URL or body', async () => {
    const { app, records, text } = build();
    await app.inject({
      method: 'POST',
      url: `/v1/messages?phone=${MARKER}`,
      headers: { traceparent: PARENT, 'x-request-id': 'req-9' },
      payload: { to: MARKER, text: MARKER },
    });
    const line = records().find((r) => r.msg === 'request completed');
    expect(line).toMatchObject({
      level: 'info',
      method: 'POST',
      route: '/v1/messages',
      status: 200,
      request_id: 'req-9',
      trace_id: '4bf92f3577b34da6a3ce929d0e0e4736',
    });
    expect(typeof line?.duration_ms).toBe('number');
    expect(text()).not.toContain(MARKER);
  });
});

describe('as a lifecycle resource', () => {
  it('listens on a real port, serves, and closes on stop', async () => {
    const { server, logger } = build();
    const lifecycle = createLifecycle({ logger });
    lifecycle.add(server.resource);
    await lifecycle.start();
    const port = server.address()?.port;
    expect(port).toBeGreaterThan(0);
    const base = `http://127.0.0.1:${port}`;
    const health = await fetch(`${base}/healthz`);
    expect(health.status).toBe(200);
    const problem = await fetch(`${base}/v1/closed`);
    expect(problem.headers.get('content-type')).toContain('application/problem+json');
    expect(((await problem.json()) as { code: string }).code).toBe('window_closed');
    // Over a real socket the body arrives in later events, outside the request's async context.
    const posted = await fetch(`${base}/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', traceparent: PARENT },
      body: JSON.stringify({ to: 'x', text: 'y'.repeat(100_000) }),
    });
    expect(await posted.json()).toEqual({ trace: '4bf92f3577b34da6a3ce929d0e0e4736' });
    // Headers over Node's limit never reach fastify: the parser's refusal is problem+json as well.
    const oversized = await fetch(`${base}/healthz`, { headers: { 'x-big': 'a'.repeat(20_000) } });
    expect(oversized.status).toBe(431);
    expect(oversized.headers.get('content-type')).toBe('application/problem+json');
    expect(((await oversized.json()) as { code: string }).code).toBe('headers_too_large');
    await lifecycle.stop();
    await expect(fetch(`${base}/healthz`)).rejects.toThrow();
  });
});
