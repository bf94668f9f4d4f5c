// The statistics every benchmark prints: percentiles of latencies, rates, and ratios against the
// baseline. Plain functions over arrays so that the numbers printed can be checked by a test.

/**
 * The p-th percentile (0 < p ≤ 100) by the nearest-rank method: the smallest value such that at
 * least p % of the values are ≤ it. Always one of the values measured (no interpolation inventing
 * a latency nobody saw); `undefined` for no values.
 */
export function percentile(values: readonly number[], p: number): number | undefined {
  if (!(p > 0 && p <= 100)) throw new RangeError(`percentile: p must be in (0, 100], got ${p}`);
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  return sortedPercentile(sorted, p);
}

/** {@link percentile} over values already sorted ascending (no copy). */
export function sortedPercentile(sorted: readonly number[], p: number): number | undefined {
  if (sorted.length === 0) return undefined;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1];
}

export interface LatencySummary {
  count: number;
  p50: number | undefined;
  p90: number | undefined;
  p99: number | undefined;
  max: number | undefined;
  mean: number | undefined;
}

export function summarizeLatencies(values: readonly number[]): LatencySummary {
  const sorted = [...values].sort((a, b) => a - b);
  const sum = sorted.reduce((total, value) => total + value, 0);
  return {
    count: sorted.length,
    p50: sortedPercentile(sorted, 50),
    p90: sortedPercentile(sorted, 90),
    p99: sortedPercentile(sorted, 99),
    max: sorted.at(-1),
    mean: sorted.length === 0 ? undefined : sum / sorted.length,
  };
}

/** Events per second over `elapsedMs`; 0 for an empty or zero-length window. */
export function perSecond(count: number, elapsedMs: number): number {
  return elapsedMs > 0 ? (count * 1000) / elapsedMs : 0;
}

/**
 * `value ÷ baseline`, or `undefined` when either is missing or the baseline is 0 (a ratio against
 * nothing would print as Infinity and read like a result).
 */
export function ratio(value: number | undefined, baseline: number | undefined): number | undefined {
  if (value === undefined || baseline === undefined || baseline === 0) return undefined;
  return value / baseline;
}
