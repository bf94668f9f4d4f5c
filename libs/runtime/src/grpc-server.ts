// A gRPC server with the standard health service (grpc.health.v1.Health: Check, Watch, List)
// answering from the same readiness checks as HTTP /readyz, so Kubernetes gRPC probes and
// client-side health checking see what the load balancer sees.
import {
  Server,
  ServerCredentials,
  status as GrpcStatus,
  type ServerOptions,
  type ServerWritableStream,
  type ServiceDefinition,
  type UntypedServiceImplementation,
} from '@grpc/grpc-js';
import {
  type HealthCheckRequest,
  type HealthCheckResponse,
  HealthCheckResponse_ServingStatus as ServingStatus,
  type HealthServer,
  HealthService,
} from '@careline/contracts';
import type { Resource } from './lifecycle';
import type { Logger } from './logger';
import { type Readiness, evaluateReadiness } from './readiness';

export interface GrpcServiceBinding {
  definition: ServiceDefinition;
  implementation: UntypedServiceImplementation;
}

/** Pairs a generated service definition with its implementation, type-checked against each other. */
export function grpcService<I extends UntypedServiceImplementation>(
  definition: ServiceDefinition<I>,
  implementation: I,
): GrpcServiceBinding {
  return { definition: definition, implementation };
}

export interface GrpcServerOptions {
  name: string;
  /** 0 picks a free port (tests); read it back with `port()` after start. */
  port: number;
  /** Default 0.0.0.0. */
  host?: string;
  logger: Logger;
  services: readonly GrpcServiceBinding[];
  readiness?: Readiness;
  readinessTimeoutMs?: number;
  /** How often open Watch streams re-evaluate readiness. Default 5000 ms. */
  watchIntervalMs?: number;
  /** How long stop() lets in-flight calls finish before cancelling them. Default 5000 ms. */
  shutdownGraceMs?: number;
  serverOptions?: ServerOptions;
}

export interface GrpcServer {
  server: Server;
  resource: Resource;
  /** The bound port after start, else undefined. */
  port(): number | undefined;
}

export const HEALTH_SERVICE_NAME = 'grpc.health.v1.Health';

/** `pkg.Service` from a definition's method paths (`/pkg.Service/Method`). */
export function serviceNameOf(definition: ServiceDefinition): string | undefined {
  for (const method of Object.values(definition)) {
    const match = /^\/([^/]+)\//.exec(method.path);
    if (match?.[1]) return match[1];
  }
  return undefined;
}

type WatchCall = ServerWritableStream<HealthCheckRequest, HealthCheckResponse>;

export function createGrpcServer(options: GrpcServerOptions): GrpcServer {
  const logger = options.logger.child({ component: 'grpc' });
  const server = new Server(options.serverOptions);
  const watchIntervalMs = options.watchIntervalMs ?? 5000;
  const shutdownGraceMs = options.shutdownGraceMs ?? 5000;
  const known = new Set<string>(['', HEALTH_SERVICE_NAME]);
  const watchers = new Set<() => void>();
  const watchCalls = new Map<WatchCall, () => void>();
  let serving = false;
  let boundPort: number | undefined;

  for (const service of options.services) {
    const name = serviceNameOf(service.definition);
    if (name) known.add(name);
    server.addService(service.definition, service.implementation);
  }

  async function currentStatus(): Promise<ServingStatus> {
    if (!serving) return ServingStatus.NOT_SERVING;
    const checks = await evaluateReadiness(options.readiness, options.readinessTimeoutMs);
    // Re-read: a drain may have begun while the checks ran.
    return serving && checks.every((check) => check.ok) ? ServingStatus.SERVING : ServingStatus.NOT_SERVING;
  }

  function notifyWatchers(): void {
    for (const notify of watchers) notify();
  }

  const health: HealthServer = {
    check(call, callback) {
      if (!known.has(call.request.service)) {
        callback({ code: GrpcStatus.NOT_FOUND, details: 'unknown service' });
        return;
      }
      currentStatus().then(
        (status) => callback(null, { status }),
        () => callback({ code: GrpcStatus.INTERNAL, details: 'health check failed' }),
      );
    },
    list(_call, callback) {
      currentStatus().then(
        (status) => {
          const statuses: Record<string, HealthCheckResponse> = {};
          for (const name of known) statuses[name] = { status };
          callback(null, { statuses });
        },
        () => callback({ code: GrpcStatus.INTERNAL, details: 'health check failed' }),
      );
    },
    watch(call) {
      const isKnown = known.has(call.request.service);
      let last: ServingStatus | undefined;
      let closed = false;
      const send = (status: ServingStatus): void => {
        if (closed || status === last) return;
        last = status;
        call.write({ status });
      };
      const update = (): void => {
        // Not serving needs no checks: say so synchronously, before a stop can end the stream.
        if (!serving) send(ServingStatus.NOT_SERVING);
        else void currentStatus().catch(() => ServingStatus.NOT_SERVING).then(send);
      };
      const timer = isKnown ? setInterval(update, watchIntervalMs).unref() : undefined;
      const close = (): void => {
        closed = true;
        clearInterval(timer);
        watchers.delete(update);
        watchCalls.delete(call);
      };
      watchCalls.set(call, close);
      call.once('cancelled', close);
      call.once('close', close);
      if (!isKnown) {
        // Per the protocol: answer SERVICE_UNKNOWN and leave the stream open.
        send(ServingStatus.SERVICE_UNKNOWN);
        return;
      }
      watchers.add(update);
      update();
    },
  };

  server.addService(HealthService, health);

  const resource: Resource = {
    name: `grpc:${options.name}`,
    async start() {
      const address = `${options.host ?? '0.0.0.0'}:${options.port}`;
      boundPort = await new Promise<number>((resolve, reject) => {
        server.bindAsync(address, ServerCredentials.createInsecure(), (error, port) => {
          if (error) reject(error);
          else resolve(port);
        });
      });
      serving = true;
      notifyWatchers();
      logger.info({ port: boundPort }, 'grpc server listening');
    },
    drain() {
      serving = false;
      notifyWatchers();
    },
    async stop() {
      serving = false;
      notifyWatchers();
      // Open Watch streams would hold tryShutdown forever: end them first (clients re-watch elsewhere).
      for (const [call, close] of [...watchCalls]) {
        close();
        call.end();
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          logger.warn({ grace_ms: shutdownGraceMs }, 'grpc calls still running after the grace period; cancelling them');
          server.forceShutdown();
          resolve();
        }, shutdownGraceMs);
        timer.unref();
        server.tryShutdown(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    },
  };

  return { server, resource, port: () => boundPort };
}
