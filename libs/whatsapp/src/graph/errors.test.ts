import { describe, expect, it } from 'vitest';
import { classifyGraphError, maskMetaText } from './errors.js';

describe('classifyGraphError', () => {
  it.each([
    [130429, 400, 'throughput', true],
    [131056, 400, 'pair_rate', true],
    [131000, 500, 'transient', true],
    [131016, 503, 'transient', true],
    [131057, 500, 'transient', true],
    [4, 400, 'rate_limit', true],
    [80007, 400, 'rate_limit', true],
    [0, 401, 'auth', false],
    [190, 401, 'auth', false],
    [131047, 400, 'window', false],
    [131050, 400, 'opted_out', false],
    [131026, 400, 'recipient', false],
    [131049, 400, 'recipient', false],
    [130497, 403, 'recipient', false],
    [131030, 400, 'recipient', false],
    [100, 400, 'invalid_request', false],
    [131008, 400, 'invalid_request', false],
    [131009, 400, 'invalid_request', false],
    [131051, 400, 'invalid_request', false],
    [131053, 400, 'invalid_request', false],
    [132000, 400, 'template', false],
    [132001, 404, 'template', false],
    [132016, 400, 'template', false],
    [133010, 400, 'account', false],
    [10, 403, 'account', false],
    [250, 403, 'account', false],
    [368, 403, 'account', false],
    [131031, 403, 'account', false],
  ] as const)('code %i (HTTP %i) → %s, retryable %s', (code, http, kind, retryable) => {
    expect(classifyGraphError(code, http)).toEqual({ kind, retryable });
  });

  it('falls back to the HTTP status when there is no known code', () => {
    expect(classifyGraphError(undefined, 503)).toEqual({ kind: 'transient', retryable: true });
    expect(classifyGraphError(undefined, 401)).toEqual({ kind: 'auth', retryable: false });
    expect(classifyGraphError(undefined, 429)).toEqual({ kind: 'throughput', retryable: true });
    expect(classifyGraphError(undefined, 400)).toEqual({ kind: 'unknown', retryable: false });
    expect(classifyGraphError(424242, 400)).toEqual({ kind: 'unknown', retryable: false });
    expect(classifyGraphError(424242, 500)).toEqual({ kind: 'unknown', retryable: true });
    // An async error (in a failed status) has a code and no HTTP status.
    expect(classifyGraphError(131026, undefined)).toEqual({ kind: 'recipient', retryable: false });
    expect(classifyGraphError(424242, undefined)).toEqual({ kind: 'unknown', retryable: false });
  });
});

describe('maskMetaText', () => {
  it('masks secrets and phone-number-like runs, keeps short codes and counts', () => {
    expect(
      maskMetaText('token abc123 for +351 912 345 678 (code 132000: expected 2, got 3)', ['abc123']),
    ).toBe('token [redacted] for [number] (code 132000: expected 2, got 3)');
    expect(maskMetaText(undefined, ['x'])).toBeUndefined();
  });
});
