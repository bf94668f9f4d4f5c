// One Prometheus registry per app instance, never prom-client's global one: tests build several
// apps in one process, and a global registry would mix (or reject) their metrics.
import { Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export type { Registry } from 'prom-client';

export interface CreateMetricsOptions {
  /** Process metrics (CPU, memory, event loop lag, GC). Default true. */
  defaultMetrics?: boolean;
  /** Labels on every series, e.g. { service: 'gateway' }. Never patient data. */
  labels?: Record<string, string>;
}

export function createMetrics(options: CreateMetricsOptions = {}): Registry {
  const registry = new Registry();
  if (options.labels) registry.setDefaultLabels(options.labels);
  if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: registry });
  return registry;
}

export const HTTP_DURATION_METRIC = 'http_request_duration_seconds';

/** The request duration histogram, labelled by route pattern (never the raw URL, which carries ids). */
export function httpDurationHistogram(registry: Registry): Histogram<'method' | 'route' | 'status_code'> {
  const existing = registry.getSingleMetric(HTTP_DURATION_METRIC);
  if (existing instanceof Histogram) return existing;
  return new Histogram({
    name: HTTP_DURATION_METRIC,
    help: 'HTTP request duration in seconds, by method, route pattern and status code.',
    labelNames: ['method', 'route', 'status_code'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
}
