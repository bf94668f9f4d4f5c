// The appointments calendar as pure data: which UTC range a day or week view asks the api for
// (the days are the site's, in its time zone), and how the appointments that come back are laid
// out: a day view has one column per clinician, a week view one column per day (Monday first),
// each column in start order. Cancelled visits stay visible, marked inactive, so a nurse sees why
// a slot is free.
import type { Appointment, AppointmentStatus } from '../schemas';
import { t } from '../messages';
import { addDays, isoWeekday, localDate, localTime, startOfDay } from './zoned-time';

export type CalendarView = 'day' | 'week';

export interface CalendarRange {
  view: CalendarView;
  /** The site-local dates shown, `YYYY-MM-DD`. */
  days: string[];
  /** The api's `from` (inclusive) and `to` (exclusive), RFC 3339 UTC. */
  from: string;
  to: string;
}

export function calendarRange(view: CalendarView, date: string, timeZone: string): CalendarRange {
  const first = view === 'day' ? date : addDays(date, 1 - isoWeekday(date));
  const count = view === 'day' ? 1 : 7;
  const days = Array.from({ length: count }, (_, i) => addDays(first, i));
  return {
    view,
    days,
    from: new Date(startOfDay(first, timeZone)).toISOString(),
    to: new Date(startOfDay(addDays(first, count), timeZone)).toISOString(),
  };
}

/** The date the previous / next button goes to. */
export function stepDate(view: CalendarView, date: string, direction: 1 | -1): string {
  return addDays(date, direction * (view === 'day' ? 1 : 7));
}

const ACTIVE: ReadonlySet<AppointmentStatus> = new Set(['booked', 'confirmed', 'rescheduled']);

export function isActive(appointment: Pick<Appointment, 'status'>): boolean {
  return ACTIVE.has(appointment.status);
}

export interface CalendarEntry {
  appointment: Appointment;
  date: string;
  start: string;
  end: string;
  active: boolean;
}

export interface CalendarColumn {
  key: string;
  label: string;
  entries: CalendarEntry[];
}

export interface Names {
  clinician: (id: string) => string;
  clinic: (id: string) => string;
}

export function layoutCalendar(
  appointments: readonly Appointment[],
  range: CalendarRange,
  timeZone: string,
  names: Names,
  options: { showCancelled: boolean } = { showCancelled: true },
): CalendarColumn[] {
  const entries: CalendarEntry[] = [];
  for (const appointment of appointments) {
    const starts = Date.parse(appointment.startsAt);
    const ends = Date.parse(appointment.endsAt);
    if (Number.isNaN(starts)) continue;
    const date = localDate(starts, timeZone);
    if (!range.days.includes(date)) continue;
    const active = isActive(appointment);
    if (!active && !options.showCancelled && appointment.status.startsWith('cancelled')) continue;
    entries.push({
      appointment,
      date,
      start: localTime(starts, timeZone),
      end: Number.isNaN(ends) ? '' : localTime(ends, timeZone),
      active,
    });
  }
  // the api sends earliest first; sorted again so the layout never depends on it
  entries.sort(
    (a, b) =>
      Date.parse(a.appointment.startsAt) - Date.parse(b.appointment.startsAt) ||
      a.appointment.id.localeCompare(b.appointment.id),
  );

  if (range.view === 'week')
    return range.days.map((day) => ({
      key: day,
      label: t.calendar.dayLabel(day),
      entries: entries.filter((e) => e.date === day),
    }));

  const byClinician = new Map<string, CalendarEntry[]>();
  for (const entry of entries) {
    const list = byClinician.get(entry.appointment.clinicianId) ?? [];
    list.push(entry);
    byClinician.set(entry.appointment.clinicianId, list);
  }
  return [...byClinician.entries()]
    .map(([id, list]) => ({ key: id, label: names.clinician(id), entries: list }))
    .sort((a, b) => a.label.localeCompare(b.label) || a.key.localeCompare(b.key));
}

export interface AppointmentActions {
  reschedule: boolean;
  cancel: boolean;
  /** Attended / no-show: once the visit has started. */
  attendance: boolean;
}

export function appointmentActions(appointment: Appointment, now: number): AppointmentActions {
  const active = isActive(appointment);
  const started = Date.parse(appointment.startsAt) <= now;
  return { reschedule: active && !started, cancel: active && !started, attendance: active && started };
}

/** A patient's visits still to come (the api cannot filter by patient: done here). */
export function upcomingFor(
  appointments: readonly Appointment[],
  who: { patientId: string | null; waId: string | null },
  now: number,
): Appointment[] {
  return appointments
    .filter(
      (a) =>
        isActive(a) &&
        Date.parse(a.endsAt) > now &&
        ((who.patientId !== null && a.patient.patientId === who.patientId) ||
          (who.waId !== null && a.patient.waId === who.waId)),
    )
    .sort((a, b) => Date.parse(a.startsAt) - Date.parse(b.startsAt));
}

/** WhatsApp ids are digits with the country code: a displayed "+44 7700 900123" becomes one. */
export function waIdFromPhone(phone: string | null): string | null {
  if (phone === null) return null;
  const digits = phone.replace(/\D/g, '');
  return /^\d{8,15}$/.test(digits) ? digits : null;
}
