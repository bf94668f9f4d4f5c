// Availability: working hours (weekly, or a date's exception) in the site's local time, cut into
// slots of the appointment type's length, minus the clinician's active appointments. Pure, so the
// rules are tested without a database.
import { MINUTE_MS, nextDate, utcToZoned, zonedToUtc } from './time';

export interface WeeklyHours {
  weekday: number;
  startMinutes: number;
  endMinutes: number;
}

export interface DateException {
  date: string;
  /** undefined: a day off */
  hours?: { startMinutes: number; endMinutes: number };
}

export interface ClinicianCalendar {
  clinicianId: string;
  clinicId: string;
  timeZone: string;
  weekly: readonly WeeklyHours[];
  exceptions: readonly DateException[];
  /** active appointments, any order */
  busy: readonly { startsAt: Date; endsAt: Date }[];
}

export interface FreeSlot {
  clinicianId: string;
  clinicId: string;
  startsAt: Date;
  endsAt: Date;
}

export interface SlotQuery {
  from: Date;
  to: Date;
  durationMinutes: number;
  limit: number;
}

/** Free slots of several clinicians, earliest first (ties by clinician id), at most `limit`. */
export function freeSlots(calendars: readonly ClinicianCalendar[], query: SlotQuery): FreeSlot[] {
  const all = calendars.flatMap((calendar) => slotsOf(calendar, query));
  all.sort((a, b) => a.startsAt.getTime() - b.startsAt.getTime() || a.clinicianId.localeCompare(b.clinicianId));
  return all.slice(0, query.limit);
}

function slotsOf(calendar: ClinicianCalendar, query: SlotQuery): FreeSlot[] {
  const out: FreeSlot[] = [];
  const durationMs = query.durationMinutes * MINUTE_MS;
  const exceptions = new Map(calendar.exceptions.map((exception) => [exception.date, exception]));
  // One local day before `from` too: a window that starts late yesterday may reach into the range.
  let date = utcToZoned(new Date(query.from.getTime() - 86_400_000), calendar.timeZone).date;
  const lastDate = utcToZoned(query.to, calendar.timeZone).date;
  for (let guard = 0; date <= lastDate && guard < 400; guard += 1, date = nextDate(date)) {
    for (const window of windowsOn(date, calendar, exceptions)) {
      const windowStart = zonedToUtc(date, window.startMinutes, calendar.timeZone).getTime();
      const windowEnd = zonedToUtc(date, window.endMinutes, calendar.timeZone).getTime();
      for (let start = windowStart; start + durationMs <= windowEnd; start += durationMs) {
        const end = start + durationMs;
        if (start < query.from.getTime() || end > query.to.getTime()) continue;
        if (calendar.busy.some((busy) => busy.startsAt.getTime() < end && busy.endsAt.getTime() > start)) continue;
        out.push({ clinicianId: calendar.clinicianId, clinicId: calendar.clinicId, startsAt: new Date(start), endsAt: new Date(end) });
      }
    }
  }
  return out;
}

function windowsOn(
  date: string,
  calendar: ClinicianCalendar,
  exceptions: ReadonlyMap<string, DateException>,
): { startMinutes: number; endMinutes: number }[] {
  const exception = exceptions.get(date);
  if (exception !== undefined) return exception.hours === undefined ? [] : [exception.hours];
  const [year, month, day] = date.split('-').map(Number) as [number, number, number];
  const weekdayIndex = new Date(Date.UTC(year, month - 1, day)).getUTCDay();
  const weekday = weekdayIndex === 0 ? 7 : weekdayIndex;
  return calendar.weekly.filter((hours) => hours.weekday === weekday);
}

/** Whether [startsAt, endsAt) lies inside one of the clinician's working windows. */
export function withinWorkingHours(
  calendar: Omit<ClinicianCalendar, 'busy' | 'clinicId' | 'clinicianId'>,
  startsAt: Date,
  endsAt: Date,
): boolean {
  const local = utcToZoned(startsAt, calendar.timeZone);
  const exceptions = new Map(calendar.exceptions.map((exception) => [exception.date, exception]));
  const full = { ...calendar, clinicianId: '', clinicId: '', busy: [] };
  return windowsOn(local.date, full, exceptions).some((window) => {
    const start = zonedToUtc(local.date, window.startMinutes, calendar.timeZone).getTime();
    const end = zonedToUtc(local.date, window.endMinutes, calendar.timeZone).getTime();
    return startsAt.getTime() >= start && endsAt.getTime() <= end;
  });
}
