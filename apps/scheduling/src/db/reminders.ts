// Reminder policy, reminders, the clock and send requests.
//
// The clock and send_requests have no tenant_id column and no row-level security (see the
// migration): the dispatcher and the sender claim due rows across tenants, and switch the
// transaction's tenant (`useTenant`) before touching a tenant's tables. Lock order everywhere is
// clock → send_requests → reminders, so a cancellation and a dispatch of the same reminder
// serialise instead of deadlocking.
import { type Queryable } from '@careline/db';
import { z } from 'zod';

/** Sets the transaction's tenant (what withTenant does), for work that spans tenants. */
export async function useTenant(db: Queryable, tenantId: string): Promise<void> {
  await db.query("SELECT set_config('app.tenant_id', $1, true)", [tenantId]);
}

export async function getPolicyJson(db: Queryable, tenantId: string): Promise<unknown> {
  const { rows } = await db.query<{ policy: unknown }>('SELECT policy FROM scheduling.reminder_policies WHERE tenant_id = $1', [tenantId]);
  return rows[0]?.policy;
}

export async function setPolicyJson(db: Queryable, tenantId: string, policy: unknown, at: Date): Promise<void> {
  await db.query(
    `INSERT INTO scheduling.reminder_policies (tenant_id, policy, updated_at) VALUES ($1, $2, $3)
     ON CONFLICT (tenant_id) DO UPDATE SET policy = EXCLUDED.policy, updated_at = EXCLUDED.updated_at`,
    [tenantId, JSON.stringify(policy), at],
  );
}

export interface Timer {
  id: string;
  kind: 'reminder' | 'no_show';
  dueAt: Date;
  /** for reminders */
  stage?: string;
}

/** Reminder rows (with their clock rows) and the no-show timer of one appointment. */
export async function scheduleTimers(db: Queryable, tenantId: string, appointmentId: string, timers: readonly Timer[], at: Date): Promise<void> {
  if (timers.length === 0) return;
  const reminders = timers.filter((timer) => timer.kind === 'reminder');
  if (reminders.length > 0) {
    await db.query(
      `INSERT INTO scheduling.reminders (tenant_id, id, appointment_id, stage, due_at, state, created_at)
       SELECT $1, id, $2, stage, due_at, 'pending', $3 FROM unnest($4::uuid[], $5::text[], $6::timestamptz[]) AS t(id, stage, due_at)`,
      [tenantId, appointmentId, at, reminders.map((r) => r.id), reminders.map((r) => r.stage ?? ''), reminders.map((r) => r.dueAt)],
    );
  }
  await db.query(
    `INSERT INTO scheduling.clock (id, tenant, kind, appointment_id, due_at)
     SELECT id, $1, kind, $2, due_at FROM unnest($3::uuid[], $4::text[], $5::timestamptz[]) AS t(id, kind, due_at)`,
    [tenantId, appointmentId, timers.map((t) => t.id), timers.map((t) => t.kind), timers.map((t) => t.dueAt)],
  );
}

/** Skipped stages are kept (state `skipped`), so the plan is visible and stats can count them. */
export async function recordSkipped(db: Queryable, tenantId: string, appointmentId: string, stages: readonly { id: string; stage: string; dueAt: Date }[], at: Date): Promise<void> {
  if (stages.length === 0) return;
  await db.query(
    `INSERT INTO scheduling.reminders (tenant_id, id, appointment_id, stage, due_at, state, created_at)
     SELECT $1, id, $2, stage, due_at, 'skipped', $3 FROM unnest($4::uuid[], $5::text[], $6::timestamptz[]) AS t(id, stage, due_at)`,
    [tenantId, appointmentId, at, stages.map((s) => s.id), stages.map((s) => s.stage), stages.map((s) => s.dueAt)],
  );
}

/**
 * Cancels everything not yet handed to messaging for an appointment: its timers, its unsent send
 * requests, its pending reminders. Runs in the transaction of the change (cancel, move,
 * attendance), so a reminder of a cancelled or moved appointment can never go out after it. The
 * clock therefore never holds a row of an inactive appointment's reminder.
 */
export async function cancelTimers(db: Queryable, tenantId: string, appointmentId: string): Promise<number> {
  await db.query('DELETE FROM scheduling.clock WHERE tenant = $1 AND appointment_id = $2', [tenantId, appointmentId]);
  await db.query(`DELETE FROM scheduling.send_requests WHERE tenant = $1 AND appointment_id = $2 AND kind = 'reminder'`, [tenantId, appointmentId]);
  const { rowCount } = await db.query(
    `UPDATE scheduling.reminders SET state = 'cancelled'
      WHERE tenant_id = $1 AND appointment_id = $2 AND state = 'pending'`,
    [tenantId, appointmentId],
  );
  return rowCount ?? 0;
}

const firedRow = z.object({ id: z.string(), tenant: z.string(), kind: z.enum(['reminder', 'no_show']), appointment_id: z.string(), due_at: z.date() });
export type FiredTimer = z.infer<typeof firedRow>;

/**
 * Fires up to `limit` due timers, earliest first, across tenants, in ONE statement: the due rows
 * are claimed FOR UPDATE SKIP LOCKED (another dispatcher's rows are skipped, not waited for, so
 * instances share the work and none fires a row another holds), deleted, and each reminder among
 * them becomes a send request. It costs the rows due (index on due_at), not the rows stored. If
 * the surrounding transaction rolls back, the timers are due again. No-show checks are returned
 * for the caller to run in the same transaction.
 */
export async function fireDueTimers(db: Queryable, now: Date, limit: number): Promise<FiredTimer[]> {
  const { rows } = await db.query(
    `WITH fired AS (
       DELETE FROM scheduling.clock WHERE id IN (
         SELECT id FROM scheduling.clock WHERE due_at <= $1 ORDER BY due_at LIMIT $2 FOR UPDATE SKIP LOCKED)
       RETURNING id, tenant, kind, appointment_id, due_at
     ), requested AS (
       INSERT INTO scheduling.send_requests (id, tenant, kind, appointment_id, due_at, next_attempt_at, created_at)
       SELECT id, tenant, 'reminder', appointment_id, due_at, $1, $1 FROM fired WHERE kind = 'reminder'
       ON CONFLICT (id) DO NOTHING
     )
     SELECT id, tenant, kind, appointment_id, due_at FROM fired`,
    [now, limit],
  );
  return rows.map((row) => firedRow.parse(row));
}

export async function insertSendRequests(
  db: Queryable,
  tenantId: string,
  kind: 'reminder' | 'reply' | 'chat',
  requests: readonly { id: string; appointmentId: string }[],
  now: Date,
): Promise<void> {
  if (requests.length === 0) return;
  await db.query(
    `INSERT INTO scheduling.send_requests (id, tenant, kind, appointment_id, next_attempt_at, created_at)
     SELECT id, $1, $2, appointment_id, $3, $3 FROM unnest($4::uuid[], $5::uuid[]) AS t(id, appointment_id)
     ON CONFLICT (id) DO NOTHING`,
    [tenantId, kind, now, requests.map((r) => r.id), requests.map((r) => r.appointmentId)],
  );
}

const sendRow = z.object({ id: z.string(), tenant: z.string(), kind: z.enum(['reminder', 'reply', 'chat']), appointment_id: z.string(), attempts: z.number().int() });
export type SendRequestRow = z.infer<typeof sendRow>;

/**
 * Claims due send requests with row locks held for the rest of the transaction (the sender calls
 * messaging inside it): a cancellation that deletes a request waits for an in-flight send instead
 * of racing it, and another sender instance skips the rows.
 */
export async function claimSendRequests(db: Queryable, now: Date, limit: number): Promise<SendRequestRow[]> {
  const { rows } = await db.query(
    `SELECT id, tenant, kind, appointment_id, attempts FROM scheduling.send_requests
      WHERE next_attempt_at <= $1 ORDER BY next_attempt_at LIMIT $2 FOR UPDATE SKIP LOCKED`,
    [now, limit],
  );
  return rows.map((row) => sendRow.parse(row));
}

export async function deleteSendRequest(db: Queryable, id: string): Promise<void> {
  await db.query('DELETE FROM scheduling.send_requests WHERE id = $1', [id]);
}

export async function retrySendRequest(db: Queryable, id: string, nextAttemptAt: Date, error: string): Promise<void> {
  await db.query('UPDATE scheduling.send_requests SET attempts = attempts + 1, next_attempt_at = $2, last_error = $3 WHERE id = $1', [id, nextAttemptAt, error]);
}

const reminderRow = z.object({
  id: z.string(),
  appointment_id: z.string(),
  stage: z.string(),
  due_at: z.date(),
  state: z.enum(['pending', 'sent', 'failed', 'cancelled', 'skipped']),
  conversation_id: z.string().nullable(),
  sent_at: z.date().nullable(),
  created_at: z.date(),
});
export type ReminderRow = z.infer<typeof reminderRow>;

export async function getReminder(db: Queryable, tenantId: string, id: string): Promise<ReminderRow | undefined> {
  const { rows } = await db.query(
    'SELECT id, appointment_id, stage, due_at, state, conversation_id, sent_at, created_at FROM scheduling.reminders WHERE tenant_id = $1 AND id = $2',
    [tenantId, id],
  );
  return rows[0] === undefined ? undefined : reminderRow.parse(rows[0]);
}

export async function listReminders(db: Queryable, tenantId: string, appointmentId: string): Promise<ReminderRow[]> {
  const { rows } = await db.query(
    'SELECT id, appointment_id, stage, due_at, state, conversation_id, sent_at, created_at FROM scheduling.reminders WHERE tenant_id = $1 AND appointment_id = $2 ORDER BY due_at',
    [tenantId, appointmentId],
  );
  return rows.map((row) => reminderRow.parse(row));
}

/** The latest conversation a reminder of the appointment went out in (replies go there). */
export async function latestConversation(db: Queryable, tenantId: string, appointmentId: string): Promise<string | undefined> {
  const { rows } = await db.query<{ conversation_id: string }>(
    `SELECT conversation_id FROM scheduling.reminders WHERE tenant_id = $1 AND appointment_id = $2 AND conversation_id IS NOT NULL
      ORDER BY sent_at DESC NULLS LAST LIMIT 1`,
    [tenantId, appointmentId],
  );
  return rows[0]?.conversation_id;
}

export async function markReminderSent(db: Queryable, tenantId: string, id: string, result: { messageId: string; conversationId: string; at: Date }): Promise<boolean> {
  const { rowCount } = await db.query(
    `UPDATE scheduling.reminders SET state = 'sent', sent_at = $3, message_id = $4, conversation_id = $5
      WHERE tenant_id = $1 AND id = $2 AND state = 'pending'`,
    [tenantId, id, result.at, result.messageId, result.conversationId],
  );
  return (rowCount ?? 0) > 0;
}

export async function markReminderFailed(db: Queryable, tenantId: string, id: string, code: string): Promise<void> {
  await db.query(`UPDATE scheduling.reminders SET state = 'failed', error_code = $3 WHERE tenant_id = $1 AND id = $2 AND state = 'pending'`, [tenantId, id, code]);
}
