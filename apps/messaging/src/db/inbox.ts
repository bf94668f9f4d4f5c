// The inbox's tables (migration 0006): the event log behind WatchInbox, conversation state and
// assignment, notes, routing rules and team SLA targets. Same convention as conversations.ts: a
// client inside withTenant, and the tenant id in every predicate.
import { type Queryable } from '@careline/db';
import { z } from 'zod';
import { bytes } from './rows';

export const INBOX_EVENT_KINDS = [
  'message_received',
  'message_sent',
  'message_status',
  'conversation_assigned',
  'conversation_state',
  'note_added',
  'conversation_read',
  'conversation_linked',
] as const;
export type InboxEventKindName = (typeof INBOX_EVENT_KINDS)[number];

export interface NewInboxEvent {
  tenantId: string;
  kind: InboxEventKindName;
  conversationId: string;
  messageId?: string | null;
  noteId?: string | null;
  actor: string;
  /** Ids and enum names only (never patient data). */
  facts?: Record<string, string>;
  at: Date;
}

const inboxEventRow = z.object({
  tenant_id: z.string(),
  // bigint comes back from pg as a string; the per-tenant counter stays far below 2^53
  seq: z.coerce.number().int(),
  kind: z.enum(INBOX_EVENT_KINDS),
  conversation_id: z.string(),
  message_id: z.string().nullable(),
  note_id: z.string().nullable(),
  actor: z.string(),
  facts: z.record(z.string(), z.string()),
  occurred_at: z.date(),
});
export type InboxEventRow = z.infer<typeof inboxEventRow>;

/** Every this many events of a tenant, its events older than the retention are deleted (same transaction). */
const PRUNE_EVERY = 500;

/**
 * Appends one event in the caller's transaction and returns its seq. The tenant's counter row stays
 * locked until commit, so the tenant's events commit in seq order (see the migration); call this
 * last in a transaction, after its other row locks, so that no lock is waited on while holding it.
 */
export async function appendInboxEvent(db: Queryable, event: NewInboxEvent, retention: { days: number }): Promise<number> {
  const { rows } = await db.query(
    `INSERT INTO messaging.inbox_sequences (tenant_id, last_seq) VALUES ($1, 1)
     ON CONFLICT (tenant_id) DO UPDATE SET last_seq = inbox_sequences.last_seq + 1
     RETURNING last_seq`,
    [event.tenantId],
  );
  const seq = z.object({ last_seq: z.coerce.number().int() }).parse(rows[0]).last_seq;
  await db.query(
    `INSERT INTO messaging.inbox_events (tenant_id, seq, kind, conversation_id, message_id, note_id, actor, facts, occurred_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
    [
      event.tenantId,
      seq,
      event.kind,
      event.conversationId,
      event.messageId ?? null,
      event.noteId ?? null,
      event.actor,
      JSON.stringify(event.facts ?? {}),
      event.at,
    ],
  );
  // Pruning rides on the writes, tenant by tenant (RLS scopes every query to one tenant, so a
  // global sweeper would need a cross-tenant policy): cheap, bounded, and no job to run.
  if (seq % PRUNE_EVERY === 0) {
    await db.query(`DELETE FROM messaging.inbox_events WHERE tenant_id = $1 AND occurred_at < $2`, [
      event.tenantId,
      new Date(event.at.getTime() - retention.days * 86_400_000),
    ]);
  }
  return seq;
}

/** The tenant's events after `afterSeq`, in seq order. */
export async function listInboxEventsAfter(db: Queryable, tenantId: string, afterSeq: number, limit: number): Promise<InboxEventRow[]> {
  const { rows } = await db.query(
    `SELECT tenant_id, seq, kind, conversation_id, message_id, note_id, actor, facts, occurred_at
       FROM messaging.inbox_events WHERE tenant_id = $1 AND seq > $2 ORDER BY seq LIMIT $3`,
    [tenantId, afterSeq, limit],
  );
  return rows.map((row) => inboxEventRow.parse(row));
}

/** The oldest kept seq and the last seq given out (undefined: the tenant has no events yet). */
export async function inboxSeqBounds(db: Queryable, tenantId: string): Promise<{ oldest: number | null; last: number } | undefined> {
  const { rows } = await db.query(
    `SELECT s.last_seq, (SELECT min(seq) FROM messaging.inbox_events e WHERE e.tenant_id = s.tenant_id) AS oldest
       FROM messaging.inbox_sequences s WHERE s.tenant_id = $1`,
    [tenantId],
  );
  if (rows.length === 0) return undefined;
  const row = z.object({ last_seq: z.coerce.number().int(), oldest: z.coerce.number().int().nullable() }).parse(rows[0]);
  return { oldest: row.oldest, last: row.last_seq };
}

// --- conversation state, assignment, reading ---

export type ConversationStatusName = 'open' | 'pending' | 'closed';

/** Sets the status; closing records closed_at, leaving CLOSED clears it. */
export async function setConversationStatus(db: Queryable, tenantId: string, id: string, status: ConversationStatusName, now: Date): Promise<void> {
  await db.query(
    `UPDATE messaging.conversations SET status = $3,
        closed_at = CASE WHEN $3 = 'closed' THEN $4::timestamptz ELSE NULL END,
        opened_at = COALESCE(opened_at, created_at), updated_at = $4
      WHERE tenant_id = $1 AND id = $2`,
    [tenantId, id, status, now],
  );
}

/**
 * A patient message in a conversation that is not OPEN. From CLOSED a new episode starts
 * (opened now, first response and routing to be done again; the team and assignee stay, so it
 * comes back to the same people); from PENDING it is the same episode, open again.
 */
export async function reopenConversation(db: Queryable, tenantId: string, id: string, from: ConversationStatusName, at: Date): Promise<void> {
  if (from === 'closed') {
    await db.query(
      `UPDATE messaging.conversations SET status = 'open', opened_at = $3, first_response_at = NULL, closed_at = NULL,
          routing_state = CASE WHEN team_id IS NULL THEN 'none' ELSE 'routed' END, updated_at = $3
        WHERE tenant_id = $1 AND id = $2`,
      [tenantId, id, at],
    );
  } else {
    await db.query(`UPDATE messaging.conversations SET status = 'open', updated_at = $3 WHERE tenant_id = $1 AND id = $2`, [
      tenantId,
      id,
      at,
    ]);
  }
}

export async function setAssignment(
  db: Queryable,
  tenantId: string,
  id: string,
  assignment: { assignedTo: string | null; teamId: string | null },
  now: Date,
): Promise<void> {
  // a team chosen by staff ends the routing of this episode: no menu after a human decided
  await db.query(
    `UPDATE messaging.conversations SET assigned_to = $3, team_id = $4,
        routing_state = CASE WHEN $4::uuid IS NULL THEN routing_state ELSE 'routed' END, updated_at = $5
      WHERE tenant_id = $1 AND id = $2`,
    [tenantId, id, assignment.assignedTo, assignment.teamId, now],
  );
}

export async function setRoutingState(
  db: Queryable,
  tenantId: string,
  id: string,
  routing: { state: 'menu_sent' } | { state: 'routed'; teamId: string },
  now: Date,
): Promise<void> {
  await db.query(
    `UPDATE messaging.conversations SET routing_state = $3, team_id = COALESCE($4::uuid, team_id), updated_at = $5
      WHERE tenant_id = $1 AND id = $2`,
    [tenantId, id, routing.state, routing.state === 'routed' ? routing.teamId : null, now],
  );
}

/** The care team's first reply of the episode (later replies change nothing). */
export async function recordFirstResponse(db: Queryable, tenantId: string, id: string, at: Date): Promise<void> {
  await db.query(
    `UPDATE messaging.conversations SET first_response_at = $3
      WHERE tenant_id = $1 AND id = $2 AND first_response_at IS NULL AND $3 >= COALESCE(opened_at, created_at)`,
    [tenantId, id, at],
  );
}

export async function clearUnread(db: Queryable, tenantId: string, id: string, now: Date): Promise<void> {
  await db.query(`UPDATE messaging.conversations SET unread_count = 0, updated_at = $3 WHERE tenant_id = $1 AND id = $2`, [
    tenantId,
    id,
    now,
  ]);
}

/** The wamid of the patient's newest message (WhatsApp marks the earlier ones read with it). */
export async function latestInboundWamid(db: Queryable, tenantId: string, conversationId: string): Promise<string | undefined> {
  const { rows } = await db.query(
    `SELECT wamid FROM messaging.messages
      WHERE tenant_id = $1 AND conversation_id = $2 AND direction = 'inbound' AND wamid IS NOT NULL
      ORDER BY created_at DESC, id DESC LIMIT 1`,
    [tenantId, conversationId],
  );
  return z.object({ wamid: z.string() }).array().parse(rows)[0]?.wamid;
}

/** Whether an active member of staff has this subject. */
export async function activeStaffExists(db: Queryable, tenantId: string, subject: string): Promise<boolean> {
  const { rows } = await db.query(`SELECT 1 FROM messaging.staff WHERE tenant_id = $1 AND subject = $2 AND active`, [tenantId, subject]);
  return rows.length > 0;
}

export async function teamExists(db: Queryable, tenantId: string, teamId: string): Promise<boolean> {
  const { rows } = await db.query(`SELECT 1 FROM messaging.teams WHERE tenant_id = $1 AND id = $2`, [tenantId, teamId]);
  return rows.length > 0;
}

// --- notes ---

const noteRow = z.object({
  id: z.string(),
  tenant_id: z.string(),
  conversation_id: z.string(),
  author: z.string(),
  body_sealed: bytes,
  created_at: z.date(),
});
export type NoteRow = z.infer<typeof noteRow>;

export async function insertNote(db: Queryable, note: Omit<NoteRow, 'tenant_id'> & { tenantId: string }): Promise<void> {
  await db.query(
    `INSERT INTO messaging.conversation_notes (id, tenant_id, conversation_id, author, body_sealed, created_at)
     VALUES ($1, $2, $3, $4, $5, $6)`,
    [note.id, note.tenantId, note.conversation_id, note.author, note.body_sealed, note.created_at],
  );
}

export async function listNotes(db: Queryable, tenantId: string, conversationId: string, limit: number): Promise<NoteRow[]> {
  const { rows } = await db.query(
    `SELECT id, tenant_id, conversation_id, author, body_sealed, created_at FROM messaging.conversation_notes
      WHERE tenant_id = $1 AND conversation_id = $2 ORDER BY created_at, id LIMIT $3`,
    [tenantId, conversationId, limit],
  );
  return rows.map((row) => noteRow.parse(row));
}

export async function getNote(db: Queryable, tenantId: string, id: string): Promise<NoteRow | undefined> {
  const { rows } = await db.query(
    `SELECT id, tenant_id, conversation_id, author, body_sealed, created_at FROM messaging.conversation_notes
      WHERE tenant_id = $1 AND id = $2`,
    [tenantId, id],
  );
  return rows.map((row) => noteRow.parse(row))[0];
}

// --- routing rules and SLA targets ---

export const routingMenuOption = z.object({ key: z.string(), label: z.string(), teamId: z.string() });
export const routingKeyword = z.object({ keyword: z.string(), teamId: z.string() });

const routingRow = z.object({
  enabled: z.boolean(),
  default_team_id: z.string().nullable(),
  greeting: z.string(),
  menu: z.array(routingMenuOption),
  keywords: z.array(routingKeyword),
  updated_at: z.date(),
});

export interface StoredRoutingRules {
  enabled: boolean;
  defaultTeamId: string | null;
  greeting: string;
  menu: z.infer<typeof routingMenuOption>[];
  keywords: z.infer<typeof routingKeyword>[];
  updatedAt?: Date;
}

export async function getRoutingRules(db: Queryable, tenantId: string): Promise<StoredRoutingRules | undefined> {
  const { rows } = await db.query(
    `SELECT enabled, default_team_id, greeting, menu, keywords, updated_at FROM messaging.routing_rules WHERE tenant_id = $1`,
    [tenantId],
  );
  const row = rows.map((r) => routingRow.parse(r))[0];
  if (row === undefined) return undefined;
  return {
    enabled: row.enabled,
    defaultTeamId: row.default_team_id,
    greeting: row.greeting,
    menu: row.menu,
    keywords: row.keywords,
    updatedAt: row.updated_at,
  };
}

export async function saveRoutingRules(db: Queryable, tenantId: string, rules: StoredRoutingRules, by: string, now: Date): Promise<void> {
  await db.query(
    `INSERT INTO messaging.routing_rules (tenant_id, enabled, default_team_id, greeting, menu, keywords, updated_at, updated_by)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
     ON CONFLICT (tenant_id) DO UPDATE SET enabled = $2, default_team_id = $3, greeting = $4, menu = $5, keywords = $6,
       updated_at = $7, updated_by = $8`,
    [tenantId, rules.enabled, rules.defaultTeamId, rules.greeting, JSON.stringify(rules.menu), JSON.stringify(rules.keywords), now, by],
  );
}

export async function listTeamSlas(db: Queryable, tenantId: string): Promise<{ teamId: string; minutes: number }[]> {
  const { rows } = await db.query(
    `SELECT id, sla_first_response_minutes FROM messaging.teams
      WHERE tenant_id = $1 AND sla_first_response_minutes IS NOT NULL ORDER BY id`,
    [tenantId],
  );
  return z
    .object({ id: z.string(), sla_first_response_minutes: z.number().int() })
    .array()
    .parse(rows)
    .map((row) => ({ teamId: row.id, minutes: row.sla_first_response_minutes }));
}

export async function setTeamSla(db: Queryable, tenantId: string, teamId: string, minutes: number | null, now: Date): Promise<void> {
  await db.query(`UPDATE messaging.teams SET sla_first_response_minutes = $3, updated_at = $4 WHERE tenant_id = $1 AND id = $2`, [
    tenantId,
    teamId,
    minutes,
    now,
  ]);
}
