import {
  type Client,
  credentials,
  makeGenericClientConstructor,
  Metadata,
  type ServiceDefinition,
  type ServiceError,
  type UntypedServiceImplementation,
  status,
} from '@grpc/grpc-js';
import { HealthCheckResponse_ServingStatus as ServingStatus, HealthClient, type HealthCheckResponse } from '@careline/contracts';
import { afterEach, describe, expect, it } from 'vitest';
import { DomainError, failedPrecondition } from './errors';
import {
  ACTOR_KEY,
  callerFromMetadata,
  grpcUnary,
  metadataForCaller,
  ROLES_KEY,
  TENANT_KEY,
  type UnaryContext,
} from './grpc-context';
import { createGrpcServer, grpcService, type GrpcServer } from './grpc-server';
import { fromGrpcError } from './grpc-status';
import { createLifecycle, type Lifecycle } from './lifecycle';
import { captureLogger, type CapturedLogger } from './test-helpers';
import { currentTraceId, runWithTrace } from './trace';

const MARKER = 'PATIENT-MARKER-3c1d';
const PARENT = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';

// A tiny JSON-encoded service, so these tests need no generated code beyond the health service.
interface EchoRequest {
  mode: 'ok' | 'domain' | 'crash';
  text?: string;
}
interface EchoResponse {
  traceId: string | undefined;
  caller: UnaryContext['caller'] | null;
}
const json = {
  requestSerialize: (value: unknown) => Buffer.from(JSON.stringify(value)),
  requestDeserialize: (buffer: Buffer) => JSON.parse(buffer.toString('utf8')) as unknown,
  responseSerialize: (value: unknown) => Buffer.from(JSON.stringify(value)),
  responseDeserialize: (buffer: Buffer) => JSON.parse(buffer.toString('utf8')) as unknown,
};
const EchoService = {
  echo: { path: '/careline.test.v1.Echo/Echo', requestStream: false, responseStream: false, originalName: 'echo', ...json },
} as unknown as ServiceDefinition<UntypedServiceImplementation>;
type EchoClient = Client & {
  echo(request: EchoRequest, metadata: Metadata, callback: (error: ServiceError | null, response?: EchoResponse) => void): void;
};
const EchoClient = makeGenericClientConstructor(EchoService, 'careline.test.v1.Echo') as unknown as new (
  address: string,
  creds: ReturnType<typeof credentials.createInsecure>,
) => EchoClient;

interface Running {
  server: GrpcServer;
  lifecycle: Lifecycle;
  captured: CapturedLogger;
  address: string;
  setReady(ready: boolean): void;
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function start(): Promise<Running> {
  const captured = captureLogger();
  let ready = true;
  const server = createGrpcServer({
    name: 'test',
    port: 0,
    host: '127.0.0.1',
    logger: captured.logger,
    readiness: [{ name: 'db', check: () => ready }],
    watchIntervalMs: 20,
    shutdownGraceMs: 500,
    services: [
      grpcService(EchoService, {
        echo: grpcUnary<EchoRequest, EchoResponse>(
          (request, context) => {
            if (request.mode === 'domain') {
              throw failedPrecondition('window_closed', 'The 24-hour window is closed.', { details: { conversationId: 'c-1' } });
            }
            if (request.mode === 'crash') throw new Error(`failed on ${request.text ?? ''}`);
            return Promise.resolve({ traceId: currentTraceId(), caller: context.caller ?? null });
          },
          { logger: captured.logger },
        ),
      }),
    ],
  });
  const lifecycle = createLifecycle({ logger: captured.logger, shutdownTimeoutMs: 2000 });
  lifecycle.add(server.resource);
  await lifecycle.start();
  cleanups.push(() => lifecycle.stop());
  return { server, lifecycle, captured, address: `127.0.0.1:${server.port()}`, setReady: (value) => (ready = value) };
}

function healthClient(address: string): HealthClient {
  const client = new HealthClient(address, credentials.createInsecure());
  cleanups.push(() => Promise.resolve(client.close()));
  return client;
}

function check(client: HealthClient, service: string): Promise<ServingStatus> {
  return new Promise((resolve, reject) => {
    client.check({ service }, new Metadata(), { deadline: Date.now() + 5000 }, (error, response) =>
      error ? reject(error) : resolve(response.status),
    );
  });
}

function echo(address: string, request: EchoRequest, metadata = new Metadata()): Promise<EchoResponse> {
  const client = new EchoClient(address, credentials.createInsecure());
  cleanups.push(() => Promise.resolve(client.close()));
  return new Promise((resolve, reject) => {
    client.echo(request, metadata, (error, response) => (error ? reject(error) : resolve(response as EchoResponse)));
  });
}

describe('grpc.health.v1.Health over a loopback connection', () => {
  it('Check answers SERVING, then NOT_SERVING while a readiness check fails', async () => {
    const running = await start();
    const client = healthClient(running.address);
    expect(await check(client, '')).toBe(ServingStatus.SERVING);
    expect(await check(client, 'careline.test.v1.Echo')).toBe(ServingStatus.SERVING);
    expect(await check(client, 'grpc.health.v1.Health')).toBe(ServingStatus.SERVING);
    running.setReady(false);
    expect(await check(client, '')).toBe(ServingStatus.NOT_SERVING);
    running.setReady(true);
    expect(await check(client, '')).toBe(ServingStatus.SERVING);
  });

  it('Check answers NOT_FOUND for a service the server does not have', async () => {
    const running = await start();
    await expect(check(healthClient(running.address), 'careline.nope.v1.Nope')).rejects.toMatchObject({ code: status.NOT_FOUND });
  });

  it('Check answers NOT_SERVING once a drain begins', async () => {
    const running = await start();
    const client = healthClient(running.address);
    running.server.resource.drain?.();
    expect(await check(client, '')).toBe(ServingStatus.NOT_SERVING);
  });

  it('List reports every service', async () => {
    const running = await start();
    const client = healthClient(running.address);
    const statuses = await new Promise<Record<string, HealthCheckResponse>>((resolve, reject) =>
      client.list({}, (error, response) => (error ? reject(error) : resolve(response.statuses))),
    );
    expect(Object.keys(statuses).sort()).toEqual(['', 'careline.test.v1.Echo', 'grpc.health.v1.Health']);
    expect(Object.values(statuses).every((s) => s.status === ServingStatus.SERVING)).toBe(true);
  });

  it('Watch streams the current status and every change, and a stop ends the stream', async () => {
    const running = await start();
    const client = healthClient(running.address);
    const seen: ServingStatus[] = [];
    const stream = client.watch({ service: '' });
    const ended = new Promise<void>((resolve) => {
      stream.on('error', () => resolve());
      stream.on('end', () => resolve());
    });
    stream.on('data', (response: HealthCheckResponse) => seen.push(response.status));
    const waitFor = async (count: number) => {
      for (let i = 0; i < 250 && seen.length < count; i++) await new Promise((r) => setTimeout(r, 20));
    };
    await waitFor(1);
    running.setReady(false);
    await waitFor(2);
    running.setReady(true);
    await waitFor(3);
    await running.lifecycle.stop();
    await ended;
    expect(seen).toEqual([ServingStatus.SERVING, ServingStatus.NOT_SERVING, ServingStatus.SERVING, ServingStatus.NOT_SERVING]);
  });

  it('Watch of an unknown service says SERVICE_UNKNOWN and stays open', async () => {
    const running = await start();
    const stream = healthClient(running.address).watch({ service: 'careline.nope.v1.Nope' });
    const first = await new Promise<HealthCheckResponse>((resolve) => stream.once('data', resolve));
    expect(first.status).toBe(ServingStatus.SERVICE_UNKNOWN);
    stream.on('error', () => undefined);
    stream.cancel();
  });
});

describe('grpcUnary', () => {
  it('runs the handler in the caller trace and hands it the caller', async () => {
    const running = await start();
    const metadata = runWithTrace(PARENT, () =>
      metadataForCaller({ tenantId: 'hospital-1', actor: 'user:42', roles: ['nurse', 'admin'] }),
    );
    const response = await echo(running.address, { mode: 'ok' }, metadata);
    expect(response).toEqual({
      traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
      caller: { tenantId: 'hospital-1', actor: 'user:42', roles: ['nurse', 'admin'] },
    });
  });

  it('sends a DomainError that the client turns back into the same DomainError', async () => {
    const running = await start();
    const error = await echo(running.address, { mode: 'domain' }).catch((e: unknown) => e);
    expect((error as ServiceError).code).toBe(status.FAILED_PRECONDITION);
    const domain = fromGrpcError(error);
    expect(domain).toBeInstanceOf(DomainError);
    expect(domain).toMatchObject({
      code: 'window_closed',
      kind: 'failed_precondition',
      message: 'The 24-hour window is closed.',
      details: { conversationId: 'c-1' },
      retryable: false,
    });
  });

  it('answers INTERNAL for an unexpected error and logs it without the request or message', async () => {
    const running = await start();
    const error = await echo(running.address, { mode: 'crash', text: MARKER }).catch((e: unknown) => e);
    expect((error as ServiceError).code).toBe(status.INTERNAL);
    expect((error as ServiceError).details).not.toContain(MARKER);
    expect(fromGrpcError(error)).toMatchObject({ code: 'internal', kind: 'internal' });
    const line = running.captured.records().find((r) => r.msg === 'grpc call failed');
    expect(line).toMatchObject({ method: '/careline.test.v1.Echo/Echo', err: { type: 'Error' } });
    expect(running.captured.text()).not.toContain(MARKER);
  });

  it('rejects malformed caller metadata as unauthenticated', async () => {
    const running = await start();
    const metadata = new Metadata();
    metadata.set(ACTOR_KEY, 'user 42; drop');
    const error = await echo(running.address, { mode: 'ok' }, metadata).catch((e: unknown) => e);
    expect(fromGrpcError(error)).toMatchObject({ code: 'invalid_caller', kind: 'unauthenticated' });
  });
});

describe('caller metadata', () => {
  it('accepts OIDC subjects of any printable form and refuses spaces and overlong ones (grpc-js itself refuses non-printable values)', () => {
    for (const actor of ['user:auth0|5f7c8ec7c33c6c004bbafe82', `user:${'a'.repeat(255)}`, 'user:AbC-_=.~+/']) {
      const metadata = new Metadata();
      metadata.set(ACTOR_KEY, actor);
      expect(callerFromMetadata(metadata)?.actor).toBe(actor);
    }
    for (const actor of ['user 42', `user:${'a'.repeat(400)}`]) {
      const metadata = new Metadata();
      metadata.set(ACTOR_KEY, actor);
      expect(() => callerFromMetadata(metadata)).toThrow();
    }
  });
});

describe('caller metadata', () => {
  it('round-trips through metadataForCaller and callerFromMetadata', () => {
    const caller = { tenantId: 't-1', actor: 'service:messaging', roles: ['system'] };
    expect(callerFromMetadata(metadataForCaller(caller))).toEqual(caller);
    expect(callerFromMetadata(metadataForCaller({ actor: 'service:ingest', roles: [] }))).toEqual({
      actor: 'service:ingest',
      roles: [],
    });
    expect(callerFromMetadata(new Metadata())).toBeUndefined();
  });

  it('refuses a tenant without an actor, a duplicated key and malformed roles', () => {
    const tenantOnly = new Metadata();
    tenantOnly.set(TENANT_KEY, 't-1');
    expect(() => callerFromMetadata(tenantOnly)).toThrow(DomainError);
    const duplicated = new Metadata();
    duplicated.add(ACTOR_KEY, 'user:1');
    duplicated.add(ACTOR_KEY, 'user:2');
    expect(() => callerFromMetadata(duplicated)).toThrow(DomainError);
    const badRoles = new Metadata();
    badRoles.set(ACTOR_KEY, 'user:1');
    badRoles.set(ROLES_KEY, 'nurse,<admin>');
    expect(() => callerFromMetadata(badRoles)).toThrow(DomainError);
  });

  it('carries the current traceparent', () => {
    const metadata = runWithTrace(PARENT, () => metadataForCaller(undefined));
    expect(String(metadata.get('traceparent')[0])).toMatch(/^00-4bf92f3577b34da6a3ce929d0e0e4736-[0-9a-f]{16}-01$/);
    expect(metadataForCaller(undefined).get('traceparent')).toEqual([]);
  });
});
