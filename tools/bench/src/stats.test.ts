import { describe, expect, it } from 'vitest';
import { perSecond, percentile, ratio, summarizeLatencies } from './stats';

describe('percentile (nearest rank)', () => {
  const hundred = Array.from({ length: 100 }, (_, index) => index + 1); // 1..100

  it('gives the smallest value with at least p % of the values at or below it', () => {
    expect(percentile(hundred, 50)).toBe(50);
    expect(percentile(hundred, 99)).toBe(99);
    expect(percentile(hundred, 100)).toBe(100);
    expect(percentile(hundred, 0.5)).toBe(1);
  });

  it('does not depend on the order of the values and does not reorder them', () => {
    const shuffled = [5, 1, 4, 2, 3];
    expect(percentile(shuffled, 50)).toBe(3);
    expect(shuffled).toEqual([5, 1, 4, 2, 3]);
  });

  it('returns a value that was measured, never an interpolation', () => {
    expect(percentile([10, 20], 50)).toBe(10);
    expect(percentile([10, 20], 51)).toBe(20);
    // with fewer than 100 samples the p99 is the maximum: one slow request shows
    expect(percentile([1, 1, 1, 1, 1, 1, 1, 1, 1, 500], 99)).toBe(500);
  });

  it('has nothing to say about no values, and refuses a p outside (0, 100]', () => {
    expect(percentile([], 50)).toBeUndefined();
    expect(() => percentile([1], 0)).toThrow(RangeError);
    expect(() => percentile([1], 101)).toThrow(RangeError);
  });
});

describe('summarizeLatencies', () => {
  it('gives count, p50, p90, p99, max and mean', () => {
    const values = Array.from({ length: 200 }, (_, index) => 200 - index); // 200..1
    expect(summarizeLatencies(values)).toEqual({
      count: 200,
      p50: 100,
      p90: 180,
      p99: 198,
      max: 200,
      mean: 100.5,
    });
  });

  it('is empty for no values', () => {
    expect(summarizeLatencies([])).toEqual({
      count: 0,
      p50: undefined,
      p90: undefined,
      p99: undefined,
      max: undefined,
      mean: undefined,
    });
  });
});

describe('rates and ratios', () => {
  it('counts per second over the elapsed milliseconds', () => {
    expect(perSecond(500, 2_000)).toBe(250);
    expect(perSecond(10, 0)).toBe(0);
  });

  it('divides by the baseline, and gives no ratio against a missing or zero baseline', () => {
    expect(ratio(150, 200)).toBe(0.75);
    expect(ratio(1, 0)).toBeUndefined();
    expect(ratio(undefined, 2)).toBeUndefined();
    expect(ratio(2, undefined)).toBeUndefined();
  });
});
