// Wires the simulator together: one store, one scheduler, one webhook dispatcher, the Graph edge,
// the control API and the phone UI on one fastify instance. `buildSimulator` does not listen; the
// caller (main.ts, or a test on port 0) does, and `close()` stops it: requests left hanging by a
// fault are cut, HTTP closes (requests under way finish), then every pending status timer,
// webhook delivery and media fetch is dropped, because a simulator has nothing worth keeping
// across a restart.
import type { Socket } from 'node:net';
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
import { createRateLimits } from './limits/limits';
import { createMediaLibrary } from './media/library';
import { createMessageLifecycle } from './outbound/lifecycle';
import { createPatientActions } from './patients/actions';
import { createScheduler } from './scheduler';
import { createSettings, type SettingsHolder } from './settings';
import { createStore, templateKey, type Store } from './store';
import { DEFAULT_TEMPLATES } from './templates/defaults';
import { createTemplateRegistry, toTemplate, type TemplateRegistry } from './templates/registry';
import { TemplateInputSchema, type Template } from './templates/schema';
import { uiRoutes } from './ui/routes';
import { createWebhookDispatcher, type WebhookDispatcher } from './webhooks/dispatcher';
import { performHandshake } from './webhooks/handshake';
import { templateStatusWebhook } from './webhooks/payloads';

export interface SimulatorDeps {
  clock?: Clock;
  fetch?: typeof fetch;
  /** for ratio faults and the webhook duplicate/reorder probabilities */
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
  templates: TemplateRegistry;
  /** back to the configured state, as `POST /_sim/reset` */
  reset(): void;
  close(): Promise<void>;
}

/** The templates of the configuration (over the hospital defaults), with their ids fixed once. */
function initialTemplates(config: SimulatorConfig, ids: ReturnType<typeof createIdGenerator>): Template[] {
  const byKey = new Map<string, Template>();
  const inputs = [
    ...(config.defaultTemplates === false ? [] : DEFAULT_TEMPLATES.map((t) => TemplateInputSchema.parse(t))),
    ...(config.templates ?? []),
  ];
  for (const input of inputs) {
    const template = toTemplate(input, ids);
    byKey.set(templateKey(template.waba_id, template.name, template.language), template);
  }
  return [...byKey.values()];
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
  const random = deps.random ?? Math.random;
  const ids = createIdGenerator(deps.randomBytes);
  const store = createStore({
    businesses: config.businesses,
    patients: config.patients,
    templates: initialTemplates(config, ids),
  });
  const settings = createSettings(config.settings);
  const scheduler = createScheduler((error) => logger.error({ err: error }, 'scheduled task failed'));
  const faults = createFaults(random);
  const hanging = new Set<Socket>();
  // aborted on reset and close: media fetches for messages of before must not go on
  let generation = new AbortController();
  const dispatcher = createWebhookDispatcher({
    getBusiness: (id) => store.businesses.get(id),
    settings: () => settings.get(),
    clock,
    scheduler,
    fetch: fetchImpl,
    logger,
    random,
  });
  const lifecycle = createMessageLifecycle({
    store,
    dispatcher,
    scheduler,
    clock,
    settings: () => settings.get(),
    onError: (error) => logger.error({ err: error }, 'message preflight failed'),
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
  const limits = createRateLimits({ clock, settings: () => settings.get() });
  const media = createMediaLibrary({
    store,
    clock,
    ids,
    settings: () => settings.get(),
    fetch: fetchImpl,
    signal: () => generation.signal,
  });
  const templates = createTemplateRegistry({
    store,
    ids,
    onStatusChange({ template, wabaId, previous, reason }) {
      const event =
        template.status === 'APPROVED' && (previous === 'PAUSED' || previous === 'DISABLED')
          ? 'REINSTATED'
          : template.status;
      const payload = templateStatusWebhook(wabaId, Math.floor(clock.now() / 1000), {
        event,
        message_template_id: Number(template.id),
        message_template_name: template.name,
        message_template_language: template.language,
        reason: reason ?? 'NONE',
      });
      // a WABA-level change goes once to each app subscribed: each distinct webhook of its numbers
      const seen = new Set<string>();
      for (const business of store.businesses.values()) {
        if (business.waba_id !== wabaId || !business.webhook_url) continue;
        const key = `${business.webhook_url} ${business.app_secret}`;
        if (seen.has(key)) continue;
        seen.add(key);
        dispatcher.enqueue(business, payload, { kind: 'template_status', message_id: null, status: event });
      }
    },
  });
  const patients = createPatientActions({ store, dispatcher, lifecycle, ids, clock, media, limits });
  const graph = createGraphApi({ store, lifecycle, faults, ids, clock, settings, limits, media, templates });

  function cutHangingRequests(): void {
    for (const socket of hanging) socket.destroy();
    hanging.clear();
  }

  function reset(): void {
    scheduler.cancelAll();
    dispatcher.reset();
    generation.abort();
    generation = new AbortController();
    cutHangingRequests();
    faults.clear();
    limits.reset();
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
    controlRoutes({
      store,
      businesses,
      patients,
      dispatcher,
      faults,
      settings,
      clock,
      logger,
      templates,
      media,
      reset,
    }),
    { prefix: '/_sim' },
  );
  void app.register(uiRoutes());
  void app.register(
    graphRoutes({ api: graph, media, faults, scheduler, ids, logger, publicUrl: config.publicUrl, hanging }),
  );
  app.setNotFoundHandler((request, reply) => {
    if (request.url.startsWith('/_sim')) {
      return reply
        .code(404)
        .type('application/problem+json')
        .send(problem(404, 'route_not_found', 'no such control endpoint'));
    }
    // Graph's answer to a path it does not serve
    return sendGraphError(
      reply,
      new GraphError(100, {
        subcode: 33,
        details: `Unsupported ${request.method.toLowerCase()} request. This endpoint is not simulated by wa-simulator.`,
      }),
      ids,
    );
  });
  app.addHook('preClose', (done) => {
    cutHangingRequests();
    done();
  });
  app.addHook('onClose', (_instance, done) => {
    scheduler.cancelAll();
    dispatcher.reset();
    generation.abort();
    done();
  });

  return {
    app,
    store,
    settings,
    clock,
    dispatcher,
    faults,
    businesses,
    templates,
    reset,
    close: () => app.close(),
  };
}
