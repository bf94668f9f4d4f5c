import { describe, expect, it } from 'vitest';
import { DEFAULT_POLICY, type ReminderPolicy, outOfQuietHours, planReminders, reminderPolicySchema, templateFor } from './policy';

const noQuiet: ReminderPolicy = { ...DEFAULT_POLICY, quietStart: '', quietEnd: '' };
const HOUR = 3_600_000;

describe('planReminders', () => {
  it('plans every stage of an appointment booked well ahead, at start minus each offset', () => {
    const startsAt = new Date('2026-03-10T14:00:00Z');
    const plan = planReminders(noQuiet, { startsAt, now: new Date('2026-03-01T09:00:00Z'), timeZone: 'UTC' });
    expect(plan).toEqual([
      { stage: '72h', dueAt: new Date(startsAt.getTime() - 72 * HOUR) },
      { stage: '24h', dueAt: new Date(startsAt.getTime() - 24 * HOUR) },
      { stage: '2h', dueAt: new Date(startsAt.getTime() - 2 * HOUR) },
    ]);
  });

  it('skips stages already past or inside the minimum lead for a late booking (10 h ahead: only 2 h)', () => {
    const now = new Date('2026-03-10T04:00:00Z');
    const plan = planReminders(noQuiet, { startsAt: new Date(now.getTime() + 10 * HOUR), now, timeZone: 'UTC' });
    expect(plan.map((stage) => stage.stage)).toEqual(['2h']);
  });

  it('drops a stage due within minLeadMinutes of the booking', () => {
    const now = new Date('2026-03-10T10:00:00Z');
    // 2 h stage due 30 minutes from now; the lead is 60 minutes
    const plan = planReminders(noQuiet, { startsAt: new Date(now.getTime() + 2.5 * HOUR), now, timeZone: 'UTC' });
    expect(plan).toEqual([]);
  });

  it('moves a stage out of quiet hours in the site zone, and drops it when that is past the start', () => {
    const policy: ReminderPolicy = { ...DEFAULT_POLICY, quietStart: '21:00', quietEnd: '08:00' };
    // Madrid is UTC+1 in March: 08:30 local start → 2 h stage due 06:30 local (quiet) → moved to
    // 08:00 local, which is before the start: kept. 24 h stage 08:30 the day before: not quiet.
    const startsAt = new Date('2026-03-10T07:30:00Z');
    const plan = planReminders(policy, { startsAt, now: new Date('2026-03-01T00:00:00Z'), timeZone: 'Europe/Madrid' });
    expect(plan.find((stage) => stage.stage === '2h')?.dueAt).toEqual(new Date('2026-03-10T07:00:00Z'));
    expect(plan.find((stage) => stage.stage === '24h')?.dueAt).toEqual(new Date('2026-03-09T07:30:00Z'));
    // 07:45 local start: the 2 h stage moves to 08:00 local, after the start: dropped
    const early = planReminders(policy, { startsAt: new Date('2026-03-10T06:45:00Z'), now: new Date('2026-03-01T00:00:00Z'), timeZone: 'Europe/Madrid' });
    expect(early.map((stage) => stage.stage)).not.toContain('2h');
  });
});

describe('outOfQuietHours', () => {
  const policy = { quietStart: '21:00', quietEnd: '08:00' };
  it('leaves a daytime time alone and moves late evening to the next morning', () => {
    expect(outOfQuietHours(policy, new Date('2026-06-01T12:00:00Z'), 'UTC')).toEqual(new Date('2026-06-01T12:00:00Z'));
    expect(outOfQuietHours(policy, new Date('2026-06-01T22:15:00Z'), 'UTC')).toEqual(new Date('2026-06-02T08:00:00Z'));
    expect(outOfQuietHours(policy, new Date('2026-06-02T03:00:00Z'), 'UTC')).toEqual(new Date('2026-06-02T08:00:00Z'));
  });
});

describe('templateFor', () => {
  const policy = reminderPolicySchema.parse({
    ...DEFAULT_POLICY,
    stages: [{ name: '24h', minutesBefore: 1440, templates: { en_US: 'reminder_en', es: 'reminder_es' } }],
  });
  it('picks the exact language, then the same base language, then the default', () => {
    expect(templateFor(policy, '24h', 'es')).toEqual({ name: 'reminder_es', language: 'es' });
    expect(templateFor(policy, '24h', 'es_AR')).toEqual({ name: 'reminder_es', language: 'es' });
    expect(templateFor(policy, '24h', 'fr')).toEqual({ name: 'reminder_en', language: 'en_US' });
    expect(templateFor(policy, 'nope', 'es')).toBeUndefined();
  });
});

describe('reminderPolicySchema', () => {
  it('refuses duplicate stage names, half quiet hours and a video link without the id', () => {
    expect(reminderPolicySchema.safeParse({ ...DEFAULT_POLICY, stages: [DEFAULT_POLICY.stages[0], DEFAULT_POLICY.stages[0]] }).success).toBe(false);
    expect(reminderPolicySchema.safeParse({ ...DEFAULT_POLICY, quietEnd: '' }).success).toBe(false);
    expect(reminderPolicySchema.safeParse({ ...DEFAULT_POLICY, videoLinkTemplate: 'https://video.example/room' }).success).toBe(false);
    expect(reminderPolicySchema.safeParse(DEFAULT_POLICY).success).toBe(true);
  });
});
