// Span export over OTLP/HTTP against a tiny in-process OTLP receiver: an HTTP request that carries
// a traceparent and calls a gRPC service arrives as two spans of the caller's trace, the HTTP span
// a child of the caller's span and the gRPC span a child of the HTTP span; a failing unit of work
// is marked failed; nothing of the request (URL ids, body) is in the spans; the exporter is
// installed from OTEL_* variables as runMain does it.
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  type Client,
  type Metadata,
  type ServiceDefinition,
  type ServiceError,
  type UntypedServiceImplementation,
  credentials,
  makeGenericClientConstructor,
} from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { grpcUnary, metadataForCaller } from './grpc-context';
import { createGrpcServer, grpcService } from './grpc-server';
import { createHttpServer } from './http-server';
import { createMetrics } from './metrics';
import { captureLogger } from './test-helpers';
import { runInSpan, setSpanExporter } from './trace';
import { createOtlpExporter, otlpExporterFromEnv } from './trace-export';

const CALLER_TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const CALLER_SPAN = '00f067aa0ba902b7';
const SECRET_ID = 'patient-7f3a9c';

interface ReceivedSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  startTimeUnixNano: string;
  endTimeUnixNano: string;
  attributes: { key: string; value: Record<string, unknown> }[];
  status: { code: number };
}

const received: { service: string; span: ReceivedSpan }[] = [];
const receiver = createServer((request: IncomingMessage, response) => {
  let body = '';
  request.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
  request.on('end', () => {
    if (request.method === 'POST' && request.url === '/v1/traces' && request.headers['content-type'] === 'application/json') {
      const parsed = JSON.parse(body) as {
        resourceSpans: { resource: { attributes: { value: { stringValue: string } }[] }; scopeSpans: { spans: ReceivedSpan[] }[] }[];
      };
      for (const resource of parsed.resourceSpans) {
        const service = resource.resource.attributes[0]?.value.stringValue ?? '';
        for (const scope of resource.scopeSpans) for (const span of scope.spans) received.push({ service, span });
      }
      response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    } else {
      response.writeHead(404).end();
    }
  });
});
let endpoint: string;

// A JSON-encoded unary service, so no generated code is needed.
const json = {
  requestSerialize: (value: unknown) => Buffer.from(JSON.stringify(value)),
  requestDeserialize: (buffer: Buffer) => JSON.parse(buffer.toString('utf8')) as unknown,
  responseSerialize: (value: unknown) => Buffer.from(JSON.stringify(value)),
  responseDeserialize: (buffer: Buffer) => JSON.parse(buffer.toString('utf8')) as unknown,
};
const PingService = {
  ping: { path: '/careline.test.v1.Ping/Ping', requestStream: false, responseStream: false, originalName: 'ping', ...json },
} as unknown as ServiceDefinition<UntypedServiceImplementation>;
type PingClient = Client & {
  ping(request: object, metadata: Metadata, callback: (error: ServiceError | null, response?: object) => void): void;
};
const PingClient = makeGenericClientConstructor(PingService, 'careline.test.v1.Ping') as unknown as new (
  address: string,
  creds: ReturnType<typeof credentials.createInsecure>,
) => PingClient;

beforeAll(async () => {
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  endpoint = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
});

afterAll(async () => {
  setSpanExporter(undefined);
  await new Promise<void>((resolve) => receiver.close(() => resolve()));
});

function attributes(span: ReceivedSpan): Record<string, unknown> {
  return Object.fromEntries(span.attributes.map(({ key, value }) => [key, Object.values(value)[0]]));
}

describe('OTLP span export', () => {
  it('exports the HTTP and gRPC spans of one request as children in the caller trace', async () => {
    const exporter = createOtlpExporter({ url: `${endpoint}/v1/traces`, serviceName: 'test-svc', flushIntervalMs: 50 });
    setSpanExporter(exporter);
    const { logger } = captureLogger();
    const grpc = createGrpcServer({
      name: 'ping',
      port: 0,
      host: '127.0.0.1',
      logger,
      services: [grpcService(PingService, { ping: grpcUnary(() => ({ pong: true }), { logger }) })],
    });
    await grpc.resource.start();
    const client = new PingClient(`127.0.0.1:${grpc.port()}`, credentials.createInsecure());
    const http = createHttpServer({ name: 'web', port: 0, host: '127.0.0.1', logger, registry: createMetrics({ defaultMetrics: false }) });
    http.app.get('/things/:id', async () => {
      await new Promise<void>((resolve, reject) => {
        client.ping({}, metadataForCaller(undefined), (error) => (error ? reject(error) : resolve()));
      });
      return { ok: true };
    });
    await http.resource.start();
    try {
      const response = await fetch(`http://127.0.0.1:${http.address()?.port}/things/${SECRET_ID}`, {
        headers: { traceparent: `00-${CALLER_TRACE}-${CALLER_SPAN}-01` },
      });
      expect(response.status).toBe(200);
      await exporter.flush();
      await expect.poll(() => received.filter((r) => r.span.traceId === CALLER_TRACE).length).toBe(2);
    } finally {
      client.close();
      await http.resource.stop();
      await grpc.resource.stop();
      await exporter.shutdown();
    }

    const spans = received.filter((r) => r.span.traceId === CALLER_TRACE);
    const server = spans.find((r) => r.span.kind === 2 && r.span.name === 'GET /things/:id');
    const rpc = spans.find((r) => r.span.name === '/careline.test.v1.Ping/Ping');
    expect(server?.service).toBe('test-svc');
    expect(server?.span.parentSpanId).toBe(CALLER_SPAN);
    expect(rpc?.span.parentSpanId).toBe(server?.span.spanId);
    expect(rpc?.span.kind).toBe(2);
    expect(attributes(server!.span)).toEqual({
      'http.request.method': 'GET',
      'http.route': '/things/:id',
      'http.response.status_code': '200',
    });
    expect(server?.span.status.code).toBe(0);
    expect(BigInt(server!.span.endTimeUnixNano)).toBeGreaterThanOrEqual(BigInt(rpc!.span.endTimeUnixNano));
    expect(BigInt(server!.span.startTimeUnixNano)).toBeLessThanOrEqual(BigInt(rpc!.span.startTimeUnixNano));
    // the ops routes are not spans, and no request content is
    expect(JSON.stringify(received)).not.toContain(SECRET_ID);
  });

  it('marks a failed unit of work, and is installed from the OTEL_* environment', async () => {
    const exporter = otlpExporterFromEnv('fallback-name', { OTEL_EXPORTER_OTLP_ENDPOINT: `${endpoint}/`, OTEL_SERVICE_NAME: 'consumer-svc' });
    if (exporter === undefined) throw new Error('no exporter from the environment');
    setSpanExporter(exporter);
    const parent = `00-${CALLER_TRACE}-${'1'.repeat(16)}-01`;
    await expect(
      runInSpan(parent, { name: 'topic.v1 process', kind: 'consumer', attributes: { 'messaging.destination.name': 'topic.v1' } }, () =>
        Promise.reject(new Error('handler failed')),
      ),
    ).rejects.toThrow('handler failed');
    await exporter.shutdown();
    const failed = received.find((r) => r.span.name === 'topic.v1 process');
    expect(failed?.service).toBe('consumer-svc');
    expect(failed?.span).toMatchObject({ traceId: CALLER_TRACE, parentSpanId: '1'.repeat(16), kind: 5, status: { code: 2 } });

    expect(otlpExporterFromEnv('x', {})).toBeUndefined();
    expect(() => otlpExporterFromEnv('x', { OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4318' })).toThrow(/http\(s\) URL/);
  });

  it('drops a batch the backend refuses, says so once, and never blocks the work', async () => {
    const errors: string[] = [];
    const exporter = createOtlpExporter({ url: `${endpoint}/nowhere`, serviceName: 's', flushIntervalMs: 10_000, onError: (m) => errors.push(m) });
    setSpanExporter(exporter);
    await runInSpan(undefined, { name: 'a', kind: 'internal' }, () => Promise.resolve());
    await runInSpan(undefined, { name: 'b', kind: 'internal' }, () => Promise.resolve());
    await exporter.flush();
    await runInSpan(undefined, { name: 'c', kind: 'internal' }, () => Promise.resolve());
    await exporter.shutdown();
    expect(exporter.dropped()).toBe(3);
    expect(errors).toEqual([`span export to ${endpoint}/nowhere failed: HTTP 404`]);
  });
});
