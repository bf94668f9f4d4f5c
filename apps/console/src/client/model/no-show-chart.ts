// The no-show dashboard's chart as data: one bar per bucket of GET /v1/reports/no-shows, its
// length the no-show rate on an absolute 0–100 % scale (so two charts compare at a glance, and a
// 5 % clinic never looks as bad as a 50 % one), with the words a screen reader and the table read.
import type { NoShowGroupBy, NoShowReport } from '../schemas';
import { t } from '../messages';

export interface NoShowBar {
  key: string;
  label: string;
  total: number;
  noShows: number;
  /** 0–100, for the bar's width; 0 when nothing finished in the bucket. */
  widthPercent: number;
  /** "12.5 %", or "–" without finished visits. */
  rateLabel: string;
  /** The whole bar in words, e.g. "Cardiology: 2 of 16 no-show (12.5 %)". */
  description: string;
}

export interface NoShowChart {
  groupBy: NoShowGroupBy;
  bars: NoShowBar[];
  overall: string;
  empty: boolean;
}

export function formatRate(rate: number | null): string {
  if (rate === null || !Number.isFinite(rate)) return '–';
  return `${(Math.round(rate * 1000) / 10).toFixed(1)} %`;
}

function bucketLabel(groupBy: NoShowGroupBy, key: string, clinicName: (id: string) => string): string {
  switch (groupBy) {
    case 'clinic':
      return clinicName(key);
    case 'day':
      return /^\d{4}-\d{2}-\d{2}$/.test(key) ? t.calendar.dayLabel(key) : key;
    case 'stage':
      return key === 'none' ? t.noShows.noReminder : t.noShows.stage(key);
    case 'confirmation':
      return key === 'confirmed' ? t.noShows.confirmed : key === 'unconfirmed' ? t.noShows.unconfirmed : key;
  }
}

export function noShowChart(report: NoShowReport, clinicName: (id: string) => string): NoShowChart {
  const bars = report.items.map((item) => {
    const label = bucketLabel(report.groupBy, item.key, clinicName);
    const rate = item.total === 0 ? null : (item.rate ?? item.noShows / item.total);
    const rateLabel = formatRate(rate);
    return {
      key: item.key,
      label,
      total: item.total,
      noShows: item.noShows,
      widthPercent: rate === null ? 0 : Math.min(100, Math.max(0, rate * 100)),
      rateLabel,
      description: t.noShows.barDescription(label, item.noShows, item.total, rateLabel),
    };
  });
  return {
    groupBy: report.groupBy,
    bars,
    overall: t.noShows.overall(report.noShows, report.total, formatRate(report.rate)),
    empty: report.total === 0,
  };
}
