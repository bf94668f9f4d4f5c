import { describe, expect, it } from 'vitest';
import { summaryLine, tally } from './summary';

describe('summary line', () => {
  it('counts cases by state', () => {
    const t = tally(
      [
        { cases: ['passed', 'passed', 'failed'], moduleFailed: true },
        { cases: ['skipped', 'pending', 'passed'], moduleFailed: false },
      ],
      0,
    );
    expect(t).toEqual({ passed: 3, failed: 1, skipped: 2 });
    expect(summaryLine(t)).toBe('3 passed, 1 failed, 2 skipped');
  });

  it('counts a module that failed to load and unhandled errors as failures', () => {
    const t = tally([{ cases: [], moduleFailed: true }], 2);
    expect(summaryLine(t)).toBe('0 passed, 3 failed');
  });

  it('prints no skipped part when nothing was skipped', () => {
    expect(summaryLine({ passed: 5, failed: 0, skipped: 0 })).toBe('5 passed, 0 failed');
  });
});
