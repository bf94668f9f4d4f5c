import { describe, expect, it } from 'vitest';
import { formatMs, formatRate, formatRatio, formatTable } from './table';

describe('number formats', () => {
  it('prints milliseconds with sensible precision, seconds from 1 000 ms', () => {
    expect(formatMs(4.44)).toBe('4.4 ms');
    expect(formatMs(709.2)).toBe('709 ms');
    expect(formatMs(1_340)).toBe('1.34 s');
    expect(formatMs(undefined)).toBe('–');
  });

  it('prints rates and ratios', () => {
    expect(formatRate(50.49)).toBe('50.5');
    expect(formatRate(154.2)).toBe('154');
    expect(formatRatio(0.7712)).toBe('0.77×');
    expect(formatRatio(110.04)).toBe('110.0×');
    expect(formatRatio(undefined)).toBe('–');
  });
});

describe('formatTable', () => {
  it('makes a padded Markdown table, first column left-aligned, the others right-aligned', () => {
    expect(
      formatTable(
        ['rate', 'p99'],
        [
          ['50', '5.6 ms'],
          ['800', undefined],
        ],
      ),
    ).toBe(['| rate |    p99 |', '| ---- | -----: |', '| 50   | 5.6 ms |', '| 800  |      – |'].join('\n'));
  });
});
