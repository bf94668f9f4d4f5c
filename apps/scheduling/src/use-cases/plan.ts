// The reminder plan of one appointment, written in the transaction that books or moves it: one
// reminder row + clock row per stage that is still worth sending, skipped rows for the others,
// and the no-show check after the end.
import { randomUUID } from 'node:crypto';
import { type Queryable } from '@careline/db';
import { type AppointmentRow } from '../db/appointments';
import { type Timer, getPolicyJson, recordSkipped, scheduleTimers } from '../db/reminders';
import { DEFAULT_POLICY, type ReminderPolicy, planReminders, reminderPolicySchema } from '../domain/policy';
import { MINUTE_MS } from '../domain/time';

export async function loadPolicy(client: Queryable, tenantId: string): Promise<ReminderPolicy> {
  const stored = await getPolicyJson(client, tenantId);
  if (stored === undefined) return DEFAULT_POLICY;
  // Written by SetReminderPolicy after the same parse; a row that no longer parses (a rule
  // tightened since) falls back to the default rather than stopping every booking.
  const parsed = reminderPolicySchema.safeParse(stored);
  return parsed.success ? parsed.data : DEFAULT_POLICY;
}

export async function planAppointment(
  client: Queryable,
  appointment: Pick<AppointmentRow, 'id' | 'tenant_id' | 'starts_at' | 'ends_at'>,
  policy: ReminderPolicy,
  timeZone: string,
  now: Date,
): Promise<void> {
  const planned = planReminders(policy, { startsAt: appointment.starts_at, now, timeZone });
  const plannedNames = new Set(planned.map((stage) => stage.stage));
  const timers: Timer[] = planned.map((stage) => ({ id: randomUUID(), kind: 'reminder', stage: stage.stage, dueAt: stage.dueAt }));
  timers.push({
    id: randomUUID(),
    kind: 'no_show',
    dueAt: new Date(appointment.ends_at.getTime() + policy.noShowAfterMinutes * MINUTE_MS),
  });
  await scheduleTimers(client, appointment.tenant_id, appointment.id, timers, now);
  await recordSkipped(
    client,
    appointment.tenant_id,
    appointment.id,
    policy.stages
      .filter((stage) => !plannedNames.has(stage.name))
      .map((stage) => ({ id: randomUUID(), stage: stage.name, dueAt: new Date(appointment.starts_at.getTime() - stage.minutesBefore * MINUTE_MS) })),
    now,
  );
}
