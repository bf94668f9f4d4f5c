import { describe, expect, it } from 'vitest';
import { type ClinicianCalendar, freeSlots, withinWorkingHours } from './slots';
import { utcToZoned, zonedToUtc } from './time';

const base: ClinicianCalendar = {
  clinicianId: 'c1',
  clinicId: 'k1',
  timeZone: 'America/Argentina/Buenos_Aires', // UTC-3, no DST
  weekly: [{ weekday: 1, startMinutes: 9 * 60, endMinutes: 11 * 60 }], // Mondays 09:00-11:00 local
  exceptions: [],
  busy: [],
};
// Monday 2026-03-02
const query = { from: new Date('2026-03-02T00:00:00Z'), to: new Date('2026-03-03T00:00:00Z'), durationMinutes: 30, limit: 20 };

describe('freeSlots', () => {
  it('cuts working hours in the site zone into slots of the type length', () => {
    const slots = freeSlots([base], query);
    expect(slots.map((slot) => slot.startsAt.toISOString())).toEqual([
      '2026-03-02T12:00:00.000Z',
      '2026-03-02T12:30:00.000Z',
      '2026-03-02T13:00:00.000Z',
      '2026-03-02T13:30:00.000Z',
    ]);
  });

  it('leaves out slots overlapping an active appointment', () => {
    const busy = [{ startsAt: new Date('2026-03-02T12:15:00Z'), endsAt: new Date('2026-03-02T12:45:00Z') }];
    const slots = freeSlots([{ ...base, busy }], query);
    expect(slots.map((slot) => slot.startsAt.toISOString())).toEqual(['2026-03-02T13:00:00.000Z', '2026-03-02T13:30:00.000Z']);
  });

  it('applies a day off and replaced hours from exceptions', () => {
    expect(freeSlots([{ ...base, exceptions: [{ date: '2026-03-02' }] }], query)).toEqual([]);
    const other = freeSlots([{ ...base, exceptions: [{ date: '2026-03-02', hours: { startMinutes: 15 * 60, endMinutes: 16 * 60 } }] }], query);
    expect(other.map((slot) => slot.startsAt.toISOString())).toEqual(['2026-03-02T18:00:00.000Z', '2026-03-02T18:30:00.000Z']);
  });

  it('merges clinicians earliest first and honours the limit', () => {
    const second = { ...base, clinicianId: 'c2', weekly: [{ weekday: 1, startMinutes: 9 * 60 + 15, endMinutes: 10 * 60 }] };
    const slots = freeSlots([base, second], { ...query, limit: 3 });
    expect(slots.map((slot) => `${slot.clinicianId}@${slot.startsAt.toISOString().slice(11, 16)}`)).toEqual(['c1@12:00', 'c2@12:15', 'c1@12:30']);
  });
});

describe('withinWorkingHours', () => {
  it('accepts a slot inside the hours and refuses one running past the end', () => {
    expect(withinWorkingHours(base, new Date('2026-03-02T13:30:00Z'), new Date('2026-03-02T14:00:00Z'))).toBe(true);
    expect(withinWorkingHours(base, new Date('2026-03-02T13:45:00Z'), new Date('2026-03-02T14:15:00Z'))).toBe(false);
  });
});

describe('zoned time', () => {
  it('round-trips local times across a DST change (Europe/Madrid, 29 March 2026)', () => {
    expect(zonedToUtc('2026-03-28', 9 * 60, 'Europe/Madrid').toISOString()).toBe('2026-03-28T08:00:00.000Z');
    expect(zonedToUtc('2026-03-30', 9 * 60, 'Europe/Madrid').toISOString()).toBe('2026-03-30T07:00:00.000Z');
    expect(utcToZoned(new Date('2026-03-30T07:00:00Z'), 'Europe/Madrid')).toEqual({ date: '2026-03-30', minutes: 540, weekday: 1 });
  });
});
