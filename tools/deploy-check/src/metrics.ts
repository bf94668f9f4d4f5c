// Metric names: those a dashboard queries, and those the code registers. A Grafana panel on a
// metric nobody exports shows "No data" forever; this keeps the dashboard honest.
import { readdir, readFile } from 'node:fs/promises';
import { Registry, collectDefaultMetrics } from 'prom-client';
import { REPO_ROOT } from './toolchain';

/** PromQL functions, keywords and label names that look like identifiers but are not metrics. */
const NOT_METRICS = new Set([
  'sum', 'rate', 'irate', 'increase', 'histogram_quantile', 'by', 'without', 'max', 'min', 'avg',
  'count', 'le', 'topk', 'bottomk', 'on', 'ignoring', 'group_left', 'group_right', 'and', 'or',
  'unless', 'offset', 'clamp_min', 'clamp_max', 'abs', 'delta', 'deriv', 'label_replace', 'vector',
  'scalar', 'time', 'sort', 'sort_desc', 'quantile', 'stddev', 'bool', 'avg_over_time',
  'max_over_time', 'min_over_time', 'sum_over_time',
]);

/** Metric names referenced by the PromQL expressions of a Grafana dashboard. */
export function dashboardMetrics(dashboard: unknown): Set<string> {
  const expressions: string[] = [];
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) node.forEach(walk);
    else if (typeof node === 'object' && node !== null) {
      for (const [key, value] of Object.entries(node)) {
        if (key === 'expr' && typeof value === 'string') expressions.push(value);
        else walk(value);
      }
    }
  };
  walk(dashboard);
  const names = new Set<string>();
  for (const expression of expressions) {
    // drop label matchers, `by (…)` lists, strings and range selectors before looking for names
    const stripped = expression
      .replace(/\{[^}]*\}/g, ' ')
      .replace(/\b(by|without|on|ignoring)\s*\([^)]*\)/g, ' ')
      .replace(/"[^"]*"/g, ' ')
      .replace(/\[[^\]]*\]/g, ' ')
      .replace(/\$\{?[A-Za-z_]+\}?/g, ' ');
    for (const match of stripped.matchAll(/\b([a-zA-Z_:][a-zA-Z0-9_:]*)\b/g)) {
      const name = match[1] ?? '';
      if (!NOT_METRICS.has(name) && !/^\d/.test(name) && name.includes('_')) names.add(name);
    }
  }
  return names;
}

/** Histogram and summary series carry suffixes the code does not name. */
export function baseMetricName(series: string): string {
  return series.replace(/_(bucket|sum|count)$/, '');
}

/** prom-client's process metrics (collectDefaultMetrics), which every app registers. */
export async function defaultMetricNames(): Promise<Set<string>> {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const metrics = await registry.getMetricsAsJSON();
  return new Set(metrics.map((metric) => metric.name));
}

async function sourceFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries
    .filter((entry) => entry.isFile() && entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts'))
    .filter((entry) => !entry.parentPath.includes('node_modules') && !entry.parentPath.includes('/gen'))
    .map((entry) => `${entry.parentPath}/${entry.name}`);
}

/**
 * Every metric name the apps and libraries can register: prom-client's defaults, plus every
 * snake_case string literal in a source file that uses prom-client (names are written as
 * `name: '…'` or kept in constants such as libs/bus BUS_METRIC_NAMES).
 */
export async function codeMetricNames(): Promise<Set<string>> {
  const names = await defaultMetricNames();
  const files = [...(await sourceFiles(`${REPO_ROOT}apps`)), ...(await sourceFiles(`${REPO_ROOT}libs`))];
  for (const file of files) {
    const text = await readFile(file, 'utf8');
    if (!text.includes("from 'prom-client'") && !text.includes('_METRIC =')) continue;
    for (const match of text.matchAll(/['"`]([a-z][a-z0-9]*(?:_[a-z0-9]+)+)['"`]/g)) {
      names.add(match[1] ?? '');
    }
  }
  return names;
}
