// Local wall-clock time in an IANA zone without a time-zone library: Intl knows every zone's
// offsets, so a local time is converted by guessing the instant, reading the zone's offset there,
// and correcting once more for a guess that fell on the other side of a DST change.

export interface LocalParts {
  /** YYYY-MM-DD */
  date: string;
  /** minutes after local midnight */
  minutes: number;
  /** ISO weekday, 1 Monday … 7 Sunday */
  weekday: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let format = formatters.get(timeZone);
  if (format === undefined) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formatters.set(timeZone, format);
  }
  return format;
}

/** True when Intl knows the zone. */
export function isTimeZone(value: string): boolean {
  try {
    formatter(value);
    return true;
  } catch {
    return false;
  }
}

function fields(instant: Date, timeZone: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const part of formatter(timeZone).formatToParts(instant)) {
    if (part.type !== 'literal') out[part.type] = Number(part.value);
  }
  return out;
}

/** The zone's offset from UTC at `instant`, in milliseconds. */
function offsetMs(instant: Date, timeZone: string): number {
  const f = fields(instant, timeZone);
  const asUtc = Date.UTC(f.year ?? 0, (f.month ?? 1) - 1, f.day ?? 1, f.hour ?? 0, f.minute ?? 0, f.second ?? 0);
  return asUtc - Math.floor(instant.getTime() / 1000) * 1000;
}

/** The instant of a local date and minute-of-day in `timeZone`. */
export function zonedToUtc(date: string, minutes: number, timeZone: string): Date {
  const [year, month, day] = date.split('-').map(Number) as [number, number, number];
  const wall = Date.UTC(year, month - 1, day, 0, minutes);
  let guess = wall - offsetMs(new Date(wall), timeZone);
  guess = wall - offsetMs(new Date(guess), timeZone);
  return new Date(guess);
}

/** The local date, minute-of-day and weekday of `instant` in `timeZone`. */
export function utcToZoned(instant: Date, timeZone: string): LocalParts {
  const f = fields(instant, timeZone);
  const date = `${String(f.year).padStart(4, '0')}-${String(f.month).padStart(2, '0')}-${String(f.day).padStart(2, '0')}`;
  const weekdayIndex = new Date(Date.UTC(f.year ?? 0, (f.month ?? 1) - 1, f.day ?? 1)).getUTCDay();
  return { date, minutes: (f.hour ?? 0) * 60 + (f.minute ?? 0), weekday: weekdayIndex === 0 ? 7 : weekdayIndex };
}

/** The local date after `date`. */
export function nextDate(date: string): string {
  const [year, month, day] = date.split('-').map(Number) as [number, number, number];
  return new Date(Date.UTC(year, month - 1, day + 1)).toISOString().slice(0, 10);
}

const HH_MM = /^([01]\d|2[0-3]):([0-5]\d)$/;

/** "HH:MM" → minutes after midnight, or undefined when malformed. */
export function parseHhMm(value: string): number | undefined {
  const match = HH_MM.exec(value);
  if (match === null) return undefined;
  return Number(match[1]) * 60 + Number(match[2]);
}

export function formatHhMm(minutes: number): string {
  return `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;
}

export const MINUTE_MS = 60_000;
