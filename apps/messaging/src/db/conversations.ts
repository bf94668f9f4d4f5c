// Conversations table. Every function takes a client inside withTenant and the tenant id: RLS
// already limits rows to that tenant, and the explicit predicate keeps each query on the
// (tenant_id, …) indexes and makes the scoping visible where the SQL is read.
import { type Queryable } from '@careline/db';
import { z } from 'zod';
import { type Cursor } from '../domain/paging';
import { bytes, nullableBytes } from './rows';

const conversationRow = z.object({
  id: z.string(),
  tenant_id: z.string(),
  phone_number_id: z.string(),
  wa_id_hash: z.string(),
  wa_id_sealed: bytes,
  display_name_sealed: nullableBytes,
  patient_id: z.string().nullable(),
  last_inbound_at: z.date().nullable(),
  last_message_at: z.date(),
  last_message_preview_sealed: nullableBytes,
  unread_count: z.number().int(),
  status: z.enum(['open', 'pending', 'closed']),
  created_at: z.date(),
  restricted: z.boolean(),
  // from patient_consent (templates and consent): whether the patient opted out
  opted_out: z.boolean(),
  // the inbox (migration 0006): assignment, episode times, routing, the team's SLA target
  assigned_to: z.string().nullable(),
  team_id: z.string().nullable(),
  opened_at: z.date(),
  first_response_at: z.date().nullable(),
  closed_at: z.date().nullable(),
  routing_state: z.enum(['none', 'menu_sent', 'routed']),
  team_sla_minutes: z.number().int().nullable(),
});

export type ConversationRow = z.infer<typeof conversationRow>;

const COLUMNS = `id, tenant_id, phone_number_id, wa_id_hash, wa_id_sealed, display_name_sealed, patient_id,
  last_inbound_at, last_message_at, last_message_preview_sealed, unread_count, status, created_at, restricted,
  EXISTS (SELECT 1 FROM messaging.patient_consent pc WHERE pc.tenant_id = conversations.tenant_id
          AND pc.wa_id_hash = conversations.wa_id_hash AND pc.state = 'opted_out') AS opted_out,
  assigned_to, team_id, COALESCE(opened_at, created_at) AS opened_at, first_response_at, closed_at, routing_state,
  (SELECT t.sla_first_response_minutes FROM messaging.teams t
    WHERE t.tenant_id = conversations.tenant_id AND t.id = conversations.team_id) AS team_sla_minutes`;

function parseRows(rows: unknown[]): ConversationRow[] {
  return rows.map((row) => conversationRow.parse(row));
}

/** The patient's conversation on a hospital number, locked for this transaction. */
export async function lockConversationForPatient(
  db: Queryable,
  tenantId: string,
  key: { phoneNumberId: string; waIdHash: string },
): Promise<ConversationRow | undefined> {
  const { rows } = await db.query(
    `SELECT ${COLUMNS} FROM messaging.conversations
      WHERE tenant_id = $1 AND phone_number_id = $2 AND wa_id_hash = $3 FOR UPDATE`,
    [tenantId, key.phoneNumberId, key.waIdHash],
  );
  return parseRows(rows)[0];
}

export interface NewConversation {
  id: string;
  tenantId: string;
  phoneNumberId: string;
  waIdHash: string;
  waIdSealed: Uint8Array;
  lastMessageAt: Date;
  createdAt: Date;
}

/** Inserts unless the patient's conversation exists already (a concurrent first message). */
export async function insertConversation(db: Queryable, conversation: NewConversation): Promise<void> {
  await db.query(
    `INSERT INTO messaging.conversations
       (id, tenant_id, phone_number_id, wa_id_hash, wa_id_sealed, last_message_at, created_at, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $7)
     ON CONFLICT (tenant_id, phone_number_id, wa_id_hash) DO NOTHING`,
    [
      conversation.id,
      conversation.tenantId,
      conversation.phoneNumberId,
      conversation.waIdHash,
      conversation.waIdSealed,
      conversation.lastMessageAt,
      conversation.createdAt,
    ],
  );
}

export async function getConversation(
  db: Queryable,
  tenantId: string,
  id: string,
  options: { lock?: boolean } = {},
): Promise<ConversationRow | undefined> {
  const { rows } = await db.query(
    `SELECT ${COLUMNS} FROM messaging.conversations WHERE tenant_id = $1 AND id = $2${options.lock === true ? ' FOR UPDATE' : ''}`,
    [tenantId, id],
  );
  return parseRows(rows)[0];
}

/** Most recent activity first; `limit + 1` rows so the caller can tell whether a next page exists. */
export async function listConversations(
  db: Queryable,
  tenantId: string,
  page: { limit: number; after: Cursor | undefined },
  filters: ConversationFilters = {},
): Promise<ConversationRow[]> {
  // the inbox filters (status, assignee, team, unread, patient) as NULL-able parameters: one plan for all
  const filter = `AND ($2::text IS NULL OR status = $2) AND ($3::text IS NULL OR assigned_to = $3)
          AND ($4::uuid IS NULL OR team_id = $4) AND (NOT $5::boolean OR unread_count > 0)
          AND ($6::uuid IS NULL OR patient_id = $6)`;
  const filterValues = [
    filters.status ?? null,
    filters.assignedTo ?? null,
    filters.teamId ?? null,
    filters.unreadOnly === true,
    filters.patientId ?? null,
  ];
  const { rows } = page.after
    ? await db.query(
        `SELECT ${COLUMNS} FROM messaging.conversations
          WHERE tenant_id = $1 ${filter} AND (last_message_at, id) < ($7, $8)
          ORDER BY last_message_at DESC, id DESC LIMIT $9`,
        [tenantId, ...filterValues, page.after.at, page.after.id, page.limit + 1],
      )
    : await db.query(
        `SELECT ${COLUMNS} FROM messaging.conversations
          WHERE tenant_id = $1 ${filter} ORDER BY last_message_at DESC, id DESC LIMIT $7`,
        [tenantId, ...filterValues, page.limit + 1],
      );
  return parseRows(rows);
}

/** ListConversations' inbox filters (absent: any). */
export interface ConversationFilters {
  status?: ConversationRow['status'];
  assignedTo?: string;
  teamId?: string;
  unreadOnly?: boolean;
  /** records' patient id (a linked conversation) */
  patientId?: string;
}

export interface InboundActivity {
  /** The patient's Meta timestamp of the message. */
  sentAt: Date;
  previewSealed: Uint8Array;
  /** The profile name Meta sent with the message, sealed; null when it sent none. */
  displayNameSealed: Uint8Array | null;
  patientId: string | null;
  now: Date;
}

/**
 * A new patient message. Messages may arrive out of order, so the window start is the latest
 * `sent_at` seen (GREATEST ignores the NULL of a first message), and the preview and display name
 * change only for a message at least as new as what the conversation shows.
 */
export async function recordInboundActivity(db: Queryable, tenantId: string, id: string, activity: InboundActivity): Promise<void> {
  await db.query(
    `UPDATE messaging.conversations SET
        last_inbound_at = GREATEST(last_inbound_at, $3),
        unread_count = unread_count + 1,
        last_message_preview_sealed = CASE WHEN $3 >= last_message_at THEN $4 ELSE last_message_preview_sealed END,
        last_message_at = GREATEST(last_message_at, $3),
        display_name_sealed = CASE WHEN $5::bytea IS NOT NULL AND (last_inbound_at IS NULL OR $3 >= last_inbound_at)
                                   THEN $5 ELSE display_name_sealed END,
        patient_id = COALESCE($6, patient_id),
        updated_at = $7
      WHERE tenant_id = $1 AND id = $2`,
    [tenantId, id, activity.sentAt, activity.previewSealed, activity.displayNameSealed, activity.patientId, activity.now],
  );
}

/** A message the care team sent (queued at `at`). */
export async function recordOutboundActivity(
  db: Queryable,
  tenantId: string,
  id: string,
  activity: { at: Date; previewSealed: Uint8Array },
): Promise<void> {
  await db.query(
    `UPDATE messaging.conversations SET
        last_message_preview_sealed = CASE WHEN $3 >= last_message_at THEN $4 ELSE last_message_preview_sealed END,
        last_message_at = GREATEST(last_message_at, $3),
        updated_at = $3
      WHERE tenant_id = $1 AND id = $2`,
    [tenantId, id, activity.at, activity.previewSealed],
  );
}

/** Restricts a conversation or lifts the restriction; false when no such conversation. */
export async function setRestricted(db: Queryable, tenantId: string, id: string, restricted: boolean, now: Date): Promise<boolean> {
  const { rowCount } = await db.query(
    `UPDATE messaging.conversations SET restricted = $3, updated_at = $4 WHERE tenant_id = $1 AND id = $2`,
    [tenantId, id, restricted, now],
  );
  return rowCount === 1;
}
