// deploy/grafana/careline-overview.json queries only metrics the apps export.
import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { baseMetricName, codeMetricNames, dashboardMetrics } from './metrics';
import { REPO_ROOT } from './toolchain';

const dashboard: unknown = JSON.parse(await readFile(`${REPO_ROOT}deploy/grafana/careline-overview.json`, 'utf8'));

describe('the Grafana dashboard', () => {
  it('names only metrics that the code registers (or prom-client exports by default)', async () => {
    const known = await codeMetricNames();
    const used = [...dashboardMetrics(dashboard)];
    expect(used.length).toBeGreaterThanOrEqual(10);
    expect(used.filter((name) => !known.has(name) && !known.has(baseMetricName(name)))).toEqual([]);
  });

  it('covers webhooks, consumer lag, sends, HTTP latency and event loop lag', () => {
    const used = dashboardMetrics(dashboard);
    for (const name of [
      'gateway_webhooks_accepted_total',
      'gateway_webhooks_refused_total',
      'kafka_consumer_lag',
      'gateway_outbound_sends_total',
      'http_request_duration_seconds_bucket',
      'nodejs_eventloop_lag_p99_seconds',
    ]) {
      expect(used).toContain(name);
    }
  });

  it('would catch a metric nobody exports', async () => {
    const known = await codeMetricNames();
    const used = dashboardMetrics({ panels: [{ targets: [{ expr: 'sum(rate(gateway_webhooks_lost_total{reason="x"}[5m]))' }] }] });
    expect([...used].filter((name) => !known.has(name))).toEqual(['gateway_webhooks_lost_total']);
  });
});
