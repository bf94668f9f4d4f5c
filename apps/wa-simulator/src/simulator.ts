// Wires the simulator together: one store, one scheduler, one webhook dispatcher, the Graph edge
// and the control API on one fastify instance. `buildSimulator` does not listen; the caller
// (main.ts, or a test on port 0) does, and `close()` stops it: HTTP first (requests under way
// finish), then every pending status timer and webhook delivery is dropped, because a simulator
// has nothing worth keeping across a restart.
import Fastify, { LogController, type FastifyInstance } from 'fastify';
import { createSimClock, systemClock, type Clock, type SimClock } from './clock';
import type { SimulatorConfig } from './config';
import { createBusinessActions, type BusinessActions } from './businesses';
import { controlRoutes } from './control/routes';
import { problem } from './control/errors';
import { createFaults, type Faults } from './faults';
import { createGraphApi } from './graph/api';
import { GraphError } from './graph/errors';
import { graphRoutes, sendGraphError } from './graph/routes';
import { createIdGenerator, type RandomBytes } from './ids';
import { createMessageLifecycle } from './outbound/lifecycle';
import { createPatientActions } from './patients/actions';
import { createScheduler } from './scheduler';
import { createSettings, type SettingsHolder } from './settings';
import { createStore, type Store } from './store';
import { createWebhookDispatcher, type WebhookDispatcher } from './webhooks/dispatcher';
import { performHandshake } from './webhooks/handshake';

export interface SimulatorDeps {
  clock?: Clock;
  fetch?: typeof fetch;
  /** for ratio faults */
  random?: () => number;
  randomBytes?: RandomBytes;
}

export interface Simulator {
  app: FastifyInstance;
  store: Store;
  settings: SettingsHolder;
  clock: SimClock;
  dispatcher: WebhookDispatcher;
  faults: Faults;
  businesses: BusinessActions;
  /** back to the configured state, as `POST /_sim/reset` */
  reset(): void;
  close(): Promise<void>;
}

export function buildSimulator(config: SimulatorConfig, deps: SimulatorDeps = {}): Simulator {
  const app = Fastify({
    logger: config.logLevel === 'silent' ? false : { level: config.logLevel },
    // fastify's request log would print URLs, and control URLs carry patients' numbers; the
    // onResponse hook below logs the route pattern instead
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: 4 * 1024 * 1024,
  });
  const logger = app.log;
  const clock = createSimClock(deps.clock ?? systemClock);
  const fetchImpl = deps.fetch ?? fetch;
  const ids = createIdGenerator(deps.randomBytes);
  const store = createStore({ businesses: config.businesses, patients: config.patients });
  const settings = createSettings(config.settings);
  const scheduler = createScheduler((error) => logger.error({ err: error }, 'scheduled task failed'));
  const faults = createFaults(deps.random);
  const dispatcher = createWebhookDispatcher({
    getBusiness: (id) => store.businesses.get(id),
    settings: () => settings.get(),
    clock,
    scheduler,
    fetch: fetchImpl,
    logger,
  });
  const lifecycle = createMessageLifecycle({
    store,
    dispatcher,
    scheduler,
    clock,
    settings: () => settings.get(),
  });
  const businesses = createBusinessActions({
    store,
    handshake: (url, token) =>
      performHandshake(url, token, {
        fetch: fetchImpl,
        ids,
        clock,
        timeoutMs: settings.get().webhook_timeout_ms,
      }),
  });
  const patients = createPatientActions({ store, dispatcher, lifecycle, ids, clock });
  const graph = createGraphApi({ store, lifecycle, faults, ids, clock, settings });

  function reset(): void {
    scheduler.cancelAll();
    dispatcher.reset();
    faults.clear();
    settings.reset();
    clock.reset();
    store.reset();
  }

  app.addHook('onResponse', (request, reply, done) => {
    // the route pattern, never the URL: control URLs carry patients' numbers
    logger.debug(
      {
        method: request.method,
        route: request.routeOptions.url ?? 'unmatched',
        status: reply.statusCode,
        ms: Math.round(reply.elapsedTime),
      },
      'request',
    );
    done();
  });
  app.get('/healthz', () => ({ status: 'ok' }));
  app.get('/readyz', () => ({ status: 'ok' }));
  void app.register(
    controlRoutes({ store, businesses, patients, dispatcher, faults, settings, clock, logger, reset }),
    { prefix: '/_sim' },
  );
  void app.register(graphRoutes({ api: graph, ids, logger }));
  app.setNotFoundHandler((request, reply) => {
    if (request.url.startsWith('/_sim')) {
      return reply
        .code(404)
        .type('application/problem+json')
        .send(problem(404, 'route_not_found', 'no such control endpoint'));
    }
    // Graph's answer to a path it does not serve; media, templates etc. are not simulated yet
    return sendGraphError(
      reply,
      new GraphError(100, {
        subcode: 33,
        details: `Unsupported ${request.method.toLowerCase()} request. This endpoint is not simulated by wa-simulator.`,
      }),
      ids,
    );
  });
  app.addHook('onClose', (_instance, done) => {
    scheduler.cancelAll();
    dispatcher.reset();
    done();
  });

  return { app, store, settings, clock, dispatcher, faults, businesses, reset, close: () => app.close() };
}
