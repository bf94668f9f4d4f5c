// The console server's composition root: the runtime's HTTP server (health, readiness, metrics,
// request logs) plus the static site. No state, no downstream calls: the browser talks to the
// api directly, so readiness is only "the build is loaded".
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Logger, createHttpServer, createLifecycle, createMetrics } from '@careline/runtime';
import type { Config } from './config';
import { type Site, registerSite } from './server/static-site';

export interface AppDeps {
  logger: Logger;
  site: Site;
}

/** `public/` next to the server bundle (dist/apps/console/main.js → dist/apps/console/public). */
export function defaultPublicDir(): string {
  return path.join(path.dirname(fileURLToPath(import.meta.url)), 'public');
}

export function buildApp(config: Config, deps: AppDeps) {
  const registry = createMetrics({ labels: { service: 'console' } });
  const lifecycle = createLifecycle({ logger: deps.logger, shutdownTimeoutMs: config.SHUTDOWN_TIMEOUT });
  const http = createHttpServer({
    name: 'console',
    host: config.HTTP_HOST,
    port: config.HTTP_PORT,
    logger: deps.logger,
    registry,
  });
  registerSite(http.app, deps.site, {
    apiUrl: config.CONSOLE_API_URL,
    idleMinutes: config.CONSOLE_IDLE_MINUTES,
    devSignIn: config.CONSOLE_DEV_SIGN_IN,
    devTenantId: config.CONSOLE_DEV_TENANT_ID ?? null,
  });
  lifecycle.add(http.resource);
  return { lifecycle, http };
}

export type App = ReturnType<typeof buildApp>;
