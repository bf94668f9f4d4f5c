// The reminder policy (per tenant) and the plan it gives one appointment: which stages, due when.
// Rules: a stage due less than `minLeadMinutes` after the booking is skipped (no 72 h reminder for
// an appointment booked 10 h ahead); a stage due inside quiet hours (site-local) moves to their end,
// and is skipped if that is not before the appointment's start.
import { z } from 'zod';
import { MINUTE_MS, formatHhMm, parseHhMm, utcToZoned, zonedToUtc, nextDate } from './time';

const hhMm = z.string().refine((value) => value === '' || parseHhMm(value) !== undefined, { message: 'must be HH:MM' });
const languageCode = z.string().regex(/^[a-z]{2,3}(_[A-Z]{2})?$/, { message: 'must be a language code like es or en_US' });

export const reminderStageSchema = z.object({
  name: z.string().regex(/^[A-Za-z0-9_-]{1,20}$/, { message: 'must be 1-20 letters, digits, _ or -' }),
  minutesBefore: z.number().int().min(1).max(60 * 24 * 30),
  templates: z
    .record(languageCode, z.string().regex(/^[a-z0-9_]{1,512}$/, { message: 'must be a template name' }))
    .refine((templates) => Object.keys(templates).length > 0, { message: 'needs a template for at least one language' }),
});

export const reminderPolicySchema = z
  .object({
    stages: z.array(reminderStageSchema).max(10),
    quietStart: hhMm,
    quietEnd: hhMm,
    minLeadMinutes: z.number().int().min(0).max(60 * 24 * 7),
    noShowAfterMinutes: z.number().int().min(0).max(60 * 24 * 7),
    videoLinkTemplate: z
      .string()
      .max(500)
      .refine((value) => value === '' || (/^https:\/\//.test(value) && value.includes('{appointment_id}')), {
        message: 'must be an https URL containing {appointment_id}',
      }),
    defaultLanguage: languageCode,
  })
  .refine((policy) => (policy.quietStart === '') === (policy.quietEnd === ''), { message: 'quiet hours need both start and end' })
  .refine((policy) => new Set(policy.stages.map((stage) => stage.name)).size === policy.stages.length, {
    message: 'stage names must be unique',
  })
  .transform((policy) => ({ ...policy, stages: [...policy.stages].sort((a, b) => b.minutesBefore - a.minutesBefore) }));

export type ReminderPolicy = z.output<typeof reminderPolicySchema>;
export type ReminderStage = ReminderPolicy['stages'][number];

/** The simulator's (and a typical hospital's) demo set: 72 h, 24 h and 2 h, en_US and es. */
export const DEFAULT_POLICY: ReminderPolicy = {
  stages: [
    { name: '72h', minutesBefore: 72 * 60, templates: { en_US: 'appointment_reminder', es: 'appointment_reminder' } },
    { name: '24h', minutesBefore: 24 * 60, templates: { en_US: 'appointment_reminder', es: 'appointment_reminder' } },
    { name: '2h', minutesBefore: 2 * 60, templates: { en_US: 'appointment_reminder', es: 'appointment_reminder' } },
  ],
  quietStart: '21:00',
  quietEnd: '08:00',
  minLeadMinutes: 60,
  noShowAfterMinutes: 60,
  videoLinkTemplate: 'https://video.example/{appointment_id}',
  defaultLanguage: 'en_US',
};

export interface PlannedStage {
  stage: string;
  dueAt: Date;
}

export interface PlanInput {
  startsAt: Date;
  /** when the booking (or move) happens */
  now: Date;
  timeZone: string;
}

export function planReminders(policy: ReminderPolicy, input: PlanInput): PlannedStage[] {
  const earliest = input.now.getTime() + policy.minLeadMinutes * MINUTE_MS;
  const planned: PlannedStage[] = [];
  for (const stage of policy.stages) {
    const due = outOfQuietHours(policy, new Date(input.startsAt.getTime() - stage.minutesBefore * MINUTE_MS), input.timeZone);
    if (due.getTime() < earliest || due.getTime() >= input.startsAt.getTime()) continue;
    planned.push({ stage: stage.name, dueAt: due });
  }
  return planned;
}

/** `due`, or the end of the quiet hours it falls in (site-local; they may span midnight). */
export function outOfQuietHours(policy: Pick<ReminderPolicy, 'quietStart' | 'quietEnd'>, due: Date, timeZone: string): Date {
  const start = parseHhMm(policy.quietStart);
  const end = parseHhMm(policy.quietEnd);
  if (start === undefined || end === undefined || start === end) return due;
  const local = utcToZoned(due, timeZone);
  const m = local.minutes;
  if (start < end) {
    return m >= start && m < end ? zonedToUtc(local.date, end, timeZone) : due;
  }
  // spans midnight: [start, 24:00) ends tomorrow at `end`, [00:00, end) ends today at `end`
  if (m >= start) return zonedToUtc(nextDate(local.date), end, timeZone);
  if (m < end) return zonedToUtc(local.date, end, timeZone);
  return due;
}

/** The stage's template for a language: exact, then same base language, then the default. */
export function templateFor(policy: ReminderPolicy, stageName: string, language: string): { name: string; language: string } | undefined {
  const stage = policy.stages.find((candidate) => candidate.name === stageName);
  if (stage === undefined) return undefined;
  const entries = Object.entries(stage.templates);
  const base = language.split('_')[0];
  const match =
    entries.find(([code]) => code === language) ??
    entries.find(([code]) => code.split('_')[0] === base) ??
    entries.find(([code]) => code === policy.defaultLanguage) ??
    entries[0];
  return match === undefined ? undefined : { name: match[1], language: match[0] };
}

export function videoLink(policy: ReminderPolicy, appointmentId: string): string {
  return policy.videoLinkTemplate === '' ? '' : policy.videoLinkTemplate.replaceAll('{appointment_id}', appointmentId);
}

export { formatHhMm };
