import { describe, expect, it } from 'vitest';
import { NoShowReportSchema } from '../schemas';
import { formatRate, noShowChart } from './no-show-chart';

const report = (
  groupBy: string,
  items: { key: string; total: number; noShows: number; rate: number | null }[],
) =>
  NoShowReportSchema.parse({
    groupBy,
    total: items.reduce((n, i) => n + i.total, 0),
    noShows: items.reduce((n, i) => n + i.noShows, 0),
    rate: null,
    items,
  });

describe('the no-show chart', () => {
  it('draws each bucket on an absolute 0–100 % scale with its words', () => {
    const chart = noShowChart(
      report('clinic', [
        { key: 'c-1', total: 16, noShows: 2, rate: 0.125 },
        { key: 'c-2', total: 4, noShows: 4, rate: 1 },
        { key: 'c-3', total: 0, noShows: 0, rate: null },
      ]),
      (id) => (id === 'c-1' ? 'Cardiology' : id),
    );
    expect(chart.bars.map((b) => [b.label, b.widthPercent, b.rateLabel])).toEqual([
      ['Cardiology', 12.5, '12.5 %'],
      ['c-2', 100, '100.0 %'],
      ['c-3', 0, '–'],
    ]);
    expect(chart.bars[0]?.description).toBe('Cardiology: 2 of 16 no-show (12.5 %)');
    expect(chart.empty).toBe(false);
  });

  it('names the stage, confirmation and day buckets in words', () => {
    expect(
      noShowChart(
        report('stage', [
          { key: 'none', total: 1, noShows: 1, rate: 1 },
          { key: '24h', total: 1, noShows: 0, rate: 0 },
        ]),
        String,
      ).bars.map((b) => b.label),
    ).toEqual(['No reminder sent', 'Reminder “24h”']);
    expect(
      noShowChart(
        report('confirmation', [
          { key: 'confirmed', total: 3, noShows: 0, rate: 0 },
          { key: 'unconfirmed', total: 3, noShows: 1, rate: 1 / 3 },
        ]),
        String,
      ).bars.map((b) => [b.label, b.rateLabel]),
    ).toEqual([
      ['Confirmed by the patient', '0.0 %'],
      ['Not confirmed', '33.3 %'],
    ]);
    expect(
      noShowChart(report('day', [{ key: '2026-03-02', total: 1, noShows: 0, rate: 0 }]), String).bars[0]
        ?.label,
    ).toBe('Mon 2 Mar');
  });

  it('says when nothing finished, and computes a missing rate from the counts', () => {
    const empty = noShowChart(report('clinic', []), String);
    expect(empty.empty).toBe(true);
    expect(empty.overall).toBe('0 of 0 finished appointments were no-shows (–).');
    expect(
      noShowChart(report('clinic', [{ key: 'x', total: 8, noShows: 2, rate: null }]), String).bars[0]
        ?.widthPercent,
    ).toBe(25);
    expect(formatRate(0.0449)).toBe('4.5 %');
  });
});
