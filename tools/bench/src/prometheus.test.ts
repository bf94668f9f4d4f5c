import { describe, expect, it } from 'vitest';
import { histogramTotals, meanBetween } from './prometheus';

const exposition = `# HELP gateway_webhook_publish_duration_seconds Time to publish one webhook.
# TYPE gateway_webhook_publish_duration_seconds histogram
gateway_webhook_publish_duration_seconds_bucket{le="0.005",outcome="ok"} 3
gateway_webhook_publish_duration_seconds_bucket{le="+Inf",outcome="ok"} 10
gateway_webhook_publish_duration_seconds_sum{outcome="ok"} 0.25
gateway_webhook_publish_duration_seconds_count{outcome="ok"} 10
gateway_webhook_publish_duration_seconds_sum{outcome="failed"} 5
gateway_webhook_publish_duration_seconds_count{outcome="failed"} 1
gateway_webhooks_accepted_total 10
`;

describe('histogramTotals', () => {
  it('reads _count and _sum of the series with the given labels', () => {
    expect(
      histogramTotals(exposition, 'gateway_webhook_publish_duration_seconds', { outcome: 'ok' }),
    ).toEqual({
      count: 10,
      sum: 0.25,
    });
  });

  it('sums every series when no label is given, and is undefined for a histogram without data', () => {
    expect(histogramTotals(exposition, 'gateway_webhook_publish_duration_seconds')).toEqual({
      count: 11,
      sum: 5.25,
    });
    expect(histogramTotals(exposition, 'gateway_graph_request_duration_seconds')).toBeUndefined();
  });
});

describe('meanBetween', () => {
  it('is the mean of the observations made between two readings', () => {
    expect(meanBetween({ count: 10, sum: 0.25 }, { count: 30, sum: 1.25 })).toBe(0.05);
    expect(meanBetween(undefined, { count: 4, sum: 2 })).toBe(0.5);
    expect(meanBetween({ count: 4, sum: 2 }, { count: 4, sum: 2 })).toBeUndefined();
    expect(meanBetween({ count: 4, sum: 2 }, undefined)).toBeUndefined();
  });
});
