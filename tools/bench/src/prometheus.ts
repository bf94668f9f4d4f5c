// Reads one histogram's running totals from a Prometheus text exposition (an app's /metrics), so
// that the benchmark can tell how much of the gateway's latency was the wait for Kafka: the
// difference of `_sum` / `_count` before and after a step is that step's mean.

export interface HistogramTotals {
  count: number;
  sum: number;
}

const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

function labelsOf(text: string | undefined): Map<string, string> {
  const labels = new Map<string, string>();
  if (text === undefined) return labels;
  for (const match of text.matchAll(LABEL)) labels.set(match[1] ?? '', match[2] ?? '');
  return labels;
}

/**
 * `_count` and `_sum` of histogram `name` for the series whose labels include `labels`, summed
 * when several match; undefined when the histogram has no such series yet (nothing observed).
 */
export function histogramTotals(
  exposition: string,
  name: string,
  labels: Record<string, string> = {},
): HistogramTotals | undefined {
  let count: number | undefined;
  let sum: number | undefined;
  for (const line of exposition.split('\n')) {
    if (line.startsWith('#')) continue;
    const match = SAMPLE.exec(line.trim());
    if (match === null) continue;
    const [, metric, labelText, value] = match;
    if (metric !== `${name}_count` && metric !== `${name}_sum`) continue;
    const present = labelsOf(labelText);
    if (!Object.entries(labels).every(([key, wanted]) => present.get(key) === wanted)) continue;
    const number = Number(value);
    if (!Number.isFinite(number)) continue;
    if (metric === `${name}_count`) count = (count ?? 0) + number;
    else sum = (sum ?? 0) + number;
  }
  return count === undefined || sum === undefined ? undefined : { count, sum };
}

/** Mean of the observations between two readings (seconds), or undefined when none happened. */
export function meanBetween(
  before: HistogramTotals | undefined,
  after: HistogramTotals | undefined,
): number | undefined {
  if (after === undefined) return undefined;
  const count = after.count - (before?.count ?? 0);
  const sum = after.sum - (before?.sum ?? 0);
  return count > 0 ? sum / count : undefined;
}
