import { describe, expect, it } from 'vitest';
import { createSimClock } from '../clock';
import { DEFAULT_SETTINGS, type Settings } from '../config';
import { createRateLimits } from './limits';

function setup(overrides: Partial<Settings> = {}) {
  const clock = createSimClock({ now: () => 1_700_000_000_000 });
  const settings: Settings = { ...DEFAULT_SETTINGS, ...overrides };
  return { clock, limits: createRateLimits({ clock, settings: () => settings }) };
}

function sendUntilRefused(
  limits: ReturnType<typeof createRateLimits>,
  to: (i: number) => string,
  max = 10_000,
): { accepted: number; refusal: string | null } {
  for (let i = 0; i < max; i++) {
    const refusal = limits.check('1', to(i));
    if (refusal) return { accepted: i, refusal };
    limits.take('1', to(i));
  }
  return { accepted: max, refusal: null };
}

describe('rate limits', () => {
  it('lets exactly throughput_mps sends through in one instant, then refills per second', () => {
    const { clock, limits } = setup();
    expect(sendUntilRefused(limits, (i) => `u${i}`)).toEqual({ accepted: 80, refusal: 'throughput' });
    clock.advance(500);
    expect(sendUntilRefused(limits, (i) => `v${i}`)).toEqual({ accepted: 40, refusal: 'throughput' });
  });

  it('takes 1000 mps when configured so', () => {
    const { limits } = setup({ throughput_mps: 1000 });
    expect(sendUntilRefused(limits, (i) => `u${i}`).accepted).toBe(1000);
  });

  it('allows a burst of 45 to one user, then one per 6 seconds', () => {
    const { clock, limits } = setup();
    expect(sendUntilRefused(limits, () => 'same')).toEqual({ accepted: 45, refusal: 'pair' });
    clock.advance(5999);
    expect(limits.check('1', 'same')).toBe('pair');
    clock.advance(1);
    expect(sendUntilRefused(limits, () => 'same')).toEqual({ accepted: 1, refusal: 'pair' });
    // other users are not affected
    expect(limits.check('1', 'other')).toBeNull();
  });

  it('never refuses an inbound message but lets it use throughput', () => {
    const { limits } = setup({ throughput_mps: 2 });
    limits.countInbound('1');
    limits.countInbound('1');
    limits.countInbound('1');
    expect(limits.check('1', 'u')).toBe('throughput');
  });

  it('counts unique users of business-initiated messages in a moving 24 h', () => {
    const { clock, limits } = setup({ messaging_limit: 250 });
    for (let i = 0; i < 250; i++) expect(limits.admitBusinessInitiated('w', `u${i}`)).toBe(true);
    expect(limits.admitBusinessInitiated('w', 'u250')).toBe(false);
    // a user already reached does not count again; another WABA has its own limit
    expect(limits.admitBusinessInitiated('w', 'u0')).toBe(true);
    expect(limits.admitBusinessInitiated('other', 'u250')).toBe(true);
    clock.advance(24 * 3600 * 1000);
    expect(limits.admitBusinessInitiated('w', 'u250')).toBe(true);
  });

  it('has no messaging limit when unlimited', () => {
    const { limits } = setup({ messaging_limit: 'unlimited' });
    for (let i = 0; i < 3000; i++) expect(limits.admitBusinessInitiated('w', `u${i}`)).toBe(true);
  });
});
