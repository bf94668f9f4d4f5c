// The composition-root pattern of README.md, end to end: config → logger → metrics → servers →
// lifecycle, then a drain during which HTTP and gRPC readiness agree before anything stops.
import { credentials, Metadata } from '@grpc/grpc-js';
import { HealthCheckResponse_ServingStatus as ServingStatus, HealthClient } from '@careline/contracts';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  type Logger,
  type ReadinessProbe,
  createGrpcServer,
  createHttpServer,
  createLifecycle,
  createMetrics,
  durationMs,
  loadConfig,
  logLevel,
  port,
} from './index';
import { captureLogger } from './test-helpers';

const configSchema = z.object({
  HTTP_PORT: port({ allowZero: true }).default(8083),
  GRPC_PORT: port({ allowZero: true }).default(50051),
  LOG_LEVEL: logLevel().default('info'),
  DRAIN_DELAY: durationMs().default(0),
});
type Config = z.output<typeof configSchema>;

function buildApp(config: Config, deps: { logger: Logger; database: ReadinessProbe }) {
  const registry = createMetrics();
  const lifecycle = createLifecycle({ logger: deps.logger, drainDelayMs: config.DRAIN_DELAY });
  const http = createHttpServer({
    name: 'demo',
    port: config.HTTP_PORT,
    host: '127.0.0.1',
    logger: deps.logger,
    registry,
    readiness: [deps.database],
  });
  http.app.get('/v1/ping', () => ({ pong: true }));
  const grpc = createGrpcServer({
    name: 'demo',
    port: config.GRPC_PORT,
    host: '127.0.0.1',
    logger: deps.logger,
    services: [],
    readiness: [deps.database],
  });
  lifecycle.add(grpc.resource);
  lifecycle.add(http.resource);
  return { lifecycle, http, grpc };
}

describe('composition root', () => {
  it('serves, then on drain reports not-ready on HTTP and gRPC before stopping', async () => {
    const config = loadConfig(configSchema, { HTTP_PORT: '0', GRPC_PORT: '0', DRAIN_DELAY: '300ms' });
    const { logger } = captureLogger();
    const app = buildApp(config, { logger, database: { name: 'postgres', check: () => true } });
    await app.lifecycle.start();

    const base = `http://127.0.0.1:${app.http.address()?.port}`;
    const health = new HealthClient(`127.0.0.1:${app.grpc.port()}`, credentials.createInsecure());
    const grpcStatus = () =>
      new Promise<ServingStatus>((resolve, reject) =>
        health.check({ service: '' }, new Metadata(), (error, response) => (error ? reject(error) : resolve(response.status))),
      );
    try {
      expect((await fetch(`${base}/readyz`)).status).toBe(200);
      expect(await grpcStatus()).toBe(ServingStatus.SERVING);
      expect(await (await fetch(`${base}/v1/ping`)).json()).toEqual({ pong: true });

      const stopping = app.lifecycle.stop();
      // Within the drain delay both servers still answer, and both say not ready.
      expect((await fetch(`${base}/readyz`)).status).toBe(503);
      expect(await grpcStatus()).toBe(ServingStatus.NOT_SERVING);
      await stopping;
      await expect(fetch(`${base}/healthz`)).rejects.toThrow();
    } finally {
      health.close();
      await app.lifecycle.stop();
    }
  });
});
