import { describe, expect, it } from 'vitest';
import {
  appointmentActions,
  calendarRange,
  layoutCalendar,
  stepDate,
  upcomingFor,
  waIdFromPhone,
} from './calendar';
import { appointment } from './test-fixtures';
import { addDays, isoWeekday, localDate, localTime, startOfDay } from './zoned-time';

const names = {
  clinician: (id: string) => ({ 'dr-1': 'Dr Ruiz', 'dr-2': 'Dr Alba' })[id] ?? id,
  clinic: (id: string) => id,
};

describe('dates in a site’s time zone', () => {
  it('starts a day at local midnight, whatever the offset', () => {
    expect(new Date(startOfDay('2026-01-15', 'UTC')).toISOString()).toBe('2026-01-15T00:00:00.000Z');
    expect(new Date(startOfDay('2026-01-15', 'Europe/Madrid')).toISOString()).toBe(
      '2026-01-14T23:00:00.000Z',
    );
    expect(new Date(startOfDay('2026-07-15', 'Europe/Madrid')).toISOString()).toBe(
      '2026-07-14T22:00:00.000Z',
    );
    expect(new Date(startOfDay('2026-01-15', 'America/Argentina/Buenos_Aires')).toISOString()).toBe(
      '2026-01-15T03:00:00.000Z',
    );
  });

  it('gets the day right on both sides of a DST change', () => {
    // Europe/Madrid springs forward on 29 March 2026 at 02:00 (UTC+1 → UTC+2)
    expect(new Date(startOfDay('2026-03-29', 'Europe/Madrid')).toISOString()).toBe(
      '2026-03-28T23:00:00.000Z',
    );
    expect(new Date(startOfDay('2026-03-30', 'Europe/Madrid')).toISOString()).toBe(
      '2026-03-29T22:00:00.000Z',
    );
    // America/Sao_Paulo has no DST now; America/Havana skipped midnight in some years: the day
    // still starts on its own date
    const havana = startOfDay('2026-03-08', 'America/Havana');
    expect(localDate(havana, 'America/Havana')).toBe('2026-03-08');
  });

  it('reads the local date and time of an instant, and counts weekdays from Monday', () => {
    const instant = Date.parse('2026-01-14T23:30:00Z');
    expect(localDate(instant, 'UTC')).toBe('2026-01-14');
    expect(localDate(instant, 'Europe/Madrid')).toBe('2026-01-15');
    expect(localTime(instant, 'Europe/Madrid')).toBe('00:30');
    expect(isoWeekday('2026-03-02')).toBe(1);
    expect(isoWeekday('2026-03-08')).toBe(7);
    expect(addDays('2026-02-28', 1)).toBe('2026-03-01');
    expect(addDays('2026-01-01', -1)).toBe('2025-12-31');
  });
});

describe('the calendar range asked of the api', () => {
  it('is one local day for a day view', () => {
    expect(calendarRange('day', '2026-03-04', 'Europe/Madrid')).toEqual({
      view: 'day',
      days: ['2026-03-04'],
      from: '2026-03-03T23:00:00.000Z',
      to: '2026-03-04T23:00:00.000Z',
    });
  });

  it('is Monday to Sunday for a week view, across a DST change (167 hours that week)', () => {
    const range = calendarRange('week', '2026-03-26', 'Europe/Madrid');
    expect(range.days).toEqual([
      '2026-03-23',
      '2026-03-24',
      '2026-03-25',
      '2026-03-26',
      '2026-03-27',
      '2026-03-28',
      '2026-03-29',
    ]);
    expect(range.from).toBe('2026-03-22T23:00:00.000Z');
    expect(range.to).toBe('2026-03-29T22:00:00.000Z');
    expect((Date.parse(range.to) - Date.parse(range.from)) / 3_600_000).toBe(167);
    // a Sunday belongs to the week that started the Monday before
    expect(calendarRange('week', '2026-03-29', 'UTC').days[0]).toBe('2026-03-23');
  });

  it('steps a day or a week', () => {
    expect(stepDate('day', '2026-03-01', -1)).toBe('2026-02-28');
    expect(stepDate('week', '2026-03-01', 1)).toBe('2026-03-08');
  });
});

describe('laying appointments out', () => {
  const day = calendarRange('day', '2026-03-02', 'Europe/Madrid');

  it('puts a day into one column per clinician, by name, each in start order, in local time', () => {
    const columns = layoutCalendar(
      [
        appointment({
          id: 'late',
          clinicianId: 'dr-1',
          startsAt: '2026-03-02T15:00:00Z',
          endsAt: '2026-03-02T15:20:00Z',
        }),
        appointment({
          id: 'early',
          clinicianId: 'dr-1',
          startsAt: '2026-03-02T08:00:00Z',
          endsAt: '2026-03-02T08:20:00Z',
        }),
        appointment({
          id: 'alba',
          clinicianId: 'dr-2',
          startsAt: '2026-03-02T09:00:00Z',
          endsAt: '2026-03-02T09:30:00Z',
        }),
      ],
      day,
      'Europe/Madrid',
      names,
    );
    expect(columns.map((c) => c.label)).toEqual(['Dr Alba', 'Dr Ruiz']);
    expect(columns[1]?.entries.map((e) => [e.appointment.id, e.start, e.end])).toEqual([
      ['early', '09:00', '09:20'],
      ['late', '16:00', '16:20'],
    ]);
  });

  it('places a visit on its local day: 23:30 UTC is the next morning in Madrid', () => {
    const week = calendarRange('week', '2026-03-02', 'Europe/Madrid');
    const columns = layoutCalendar(
      [appointment({ id: 'night', startsAt: '2026-03-02T23:30:00Z', endsAt: '2026-03-02T23:50:00Z' })],
      week,
      'Europe/Madrid',
      names,
    );
    expect(columns).toHaveLength(7);
    expect(columns[0]?.entries).toEqual([]);
    expect(columns[1]?.key).toBe('2026-03-03');
    expect(columns[1]?.label).toBe('Tue 3 Mar');
    expect(columns[1]?.entries[0]).toMatchObject({ start: '00:30', active: true });
  });

  it('keeps cancelled visits visible but inactive, or hides them on request; drops what is outside the range', () => {
    const list = [
      appointment({ id: 'gone', status: 'cancelled_by_patient' }),
      appointment({ id: 'came', status: 'attended', startsAt: '2026-03-02T10:00:00Z' }),
      appointment({ id: 'tomorrow', startsAt: '2026-03-03T10:00:00Z' }),
    ];
    const shown = layoutCalendar(list, day, 'Europe/Madrid', names);
    expect(shown[0]?.entries.map((e) => [e.appointment.id, e.active])).toEqual([
      ['gone', false],
      ['came', false],
    ]);
    const hidden = layoutCalendar(list, day, 'Europe/Madrid', names, { showCancelled: false });
    expect(hidden[0]?.entries.map((e) => e.appointment.id)).toEqual(['came']);
  });
});

describe('what can be done with an appointment', () => {
  const now = Date.parse('2026-03-02T09:30:00Z');
  it('moves or cancels an active visit before it starts, records attendance after', () => {
    expect(appointmentActions(appointment({ startsAt: '2026-03-02T10:00:00Z' }), now)).toEqual({
      reschedule: true,
      cancel: true,
      attendance: false,
    });
    expect(
      appointmentActions(appointment({ startsAt: '2026-03-02T09:00:00Z', status: 'confirmed' }), now),
    ).toEqual({
      reschedule: false,
      cancel: false,
      attendance: true,
    });
    for (const status of ['cancelled_by_staff', 'attended', 'no_show'] as const)
      expect(Object.values(appointmentActions(appointment({ status }), now))).toEqual([false, false, false]);
  });

  it('finds a patient’s upcoming visits by record or by number, soonest first', () => {
    const list = [
      appointment({
        id: 'later',
        startsAt: '2026-03-05T09:00:00Z',
        endsAt: '2026-03-05T09:20:00Z',
        patient: { patientId: 'p1', waId: '1', displayName: null },
      }),
      appointment({
        id: 'soon',
        startsAt: '2026-03-03T09:00:00Z',
        endsAt: '2026-03-03T09:20:00Z',
        patient: { patientId: null, waId: '34600111222', displayName: null },
      }),
      appointment({
        id: 'past',
        startsAt: '2026-03-01T09:00:00Z',
        endsAt: '2026-03-01T09:20:00Z',
        patient: { patientId: 'p1', waId: '1', displayName: null },
      }),
      appointment({
        id: 'cancelled',
        status: 'cancelled_by_staff',
        startsAt: '2026-03-04T09:00:00Z',
        endsAt: '2026-03-04T09:20:00Z',
        patient: { patientId: 'p1', waId: '1', displayName: null },
      }),
      appointment({
        id: 'other',
        startsAt: '2026-03-04T09:00:00Z',
        endsAt: '2026-03-04T09:20:00Z',
        patient: { patientId: 'p2', waId: '2', displayName: null },
      }),
    ];
    expect(upcomingFor(list, { patientId: 'p1', waId: '34600111222' }, now).map((a) => a.id)).toEqual([
      'soon',
      'later',
    ]);
    expect(upcomingFor(list, { patientId: null, waId: null }, now)).toEqual([]);
  });

  it('turns a displayed number into WhatsApp digits', () => {
    expect(waIdFromPhone('+34 600 111 222')).toBe('34600111222');
    expect(waIdFromPhone('+1 23')).toBeNull();
    expect(waIdFromPhone(null)).toBeNull();
  });
});
