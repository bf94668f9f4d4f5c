// Messages table (see conversations.ts for the tenant convention).
import { type Queryable } from '@careline/db';
import { z } from 'zod';
import { CONTENT_KINDS, type ContentKind } from '../domain/content';
import { type Cursor } from '../domain/paging';
import { type DeliveryState, MESSAGE_STATES, type MessageStateName, isOutboundState } from '../domain/status';
import { bytes } from './rows';

const messageRow = z.object({
  id: z.string(),
  tenant_id: z.string(),
  conversation_id: z.string(),
  direction: z.enum(['inbound', 'outbound']),
  wamid: z.string().nullable(),
  content_kind: z.enum(CONTENT_KINDS),
  content_sealed: bytes,
  reply_to_message_id: z.string().nullable(),
  state: z.enum(MESSAGE_STATES),
  state_at: z.date(),
  error_code: z.string().nullable(),
  error_reason: z.string().nullable(),
  sent_status_at: z.date().nullable(),
  delivered_status_at: z.date().nullable(),
  read_status_at: z.date().nullable(),
  failed_status_at: z.date().nullable(),
  sent_by: z.string().nullable(),
  idempotency_key: z.string().nullable(),
  created_at: z.date(),
  trace_id: z.string().nullable(),
});

export type MessageRow = z.infer<typeof messageRow>;

const COLUMNS = `id, tenant_id, conversation_id, direction, wamid, content_kind, content_sealed, reply_to_message_id,
  state, state_at, error_code, error_reason, sent_status_at, delivered_status_at, read_status_at, failed_status_at,
  sent_by, idempotency_key, created_at, trace_id`;

function parseRows(rows: unknown[]): MessageRow[] {
  return rows.map((row) => messageRow.parse(row));
}

export interface NewMessage {
  id: string;
  tenantId: string;
  conversationId: string;
  direction: 'inbound' | 'outbound';
  wamid: string | null;
  contentKind: ContentKind;
  contentSealed: Uint8Array;
  replyToMessageId: string | null;
  state: Extract<MessageStateName, 'received' | 'queued'>;
  sentBy: string | null;
  idempotencyKey: string | null;
  createdAt: Date;
  storedAt: Date;
  /** The trace id of the work storing it (`currentTraceId()`); null outside a trace. */
  traceId?: string | null;
}

/** Inserts the message; false when its id or wamid is already stored (a redelivery). */
export async function insertMessage(db: Queryable, message: NewMessage): Promise<boolean> {
  const result = await db.query(
    `INSERT INTO messaging.messages
       (id, tenant_id, conversation_id, direction, wamid, content_kind, content_sealed, reply_to_message_id,
        state, state_at, sent_by, idempotency_key, created_at, stored_at, trace_id)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $10, $13, $14)
     ON CONFLICT DO NOTHING`,
    [
      message.id,
      message.tenantId,
      message.conversationId,
      message.direction,
      message.wamid,
      message.contentKind,
      message.contentSealed,
      message.replyToMessageId,
      message.state,
      message.createdAt,
      message.sentBy,
      message.idempotencyKey,
      message.storedAt,
      message.traceId ?? null,
    ],
  );
  return result.rowCount === 1;
}

/** Whether a message with this id or this wamid is stored. */
export async function messageExists(db: Queryable, tenantId: string, key: { id: string; wamid: string }): Promise<boolean> {
  const { rows } = await db.query(
    `SELECT 1 FROM messaging.messages WHERE tenant_id = $1 AND (id = $2 OR wamid = $3) LIMIT 1`,
    [tenantId, key.id, key.wamid],
  );
  return rows.length > 0;
}

/** The message with this id, locked for this transaction. */
export async function lockMessageById(db: Queryable, tenantId: string, id: string): Promise<MessageRow | undefined> {
  const { rows } = await db.query(`SELECT ${COLUMNS} FROM messaging.messages WHERE tenant_id = $1 AND id = $2 FOR UPDATE`, [
    tenantId,
    id,
  ]);
  return parseRows(rows)[0];
}

/** The message with this wamid, locked for this transaction. */
export async function lockMessageByWamid(db: Queryable, tenantId: string, wamid: string): Promise<MessageRow | undefined> {
  const { rows } = await db.query(`SELECT ${COLUMNS} FROM messaging.messages WHERE tenant_id = $1 AND wamid = $2 FOR UPDATE`, [
    tenantId,
    wamid,
  ]);
  return parseRows(rows)[0];
}

/** The id of the message with this wamid, if stored (to link quotes and reactions). */
export async function messageIdForWamid(db: Queryable, tenantId: string, wamid: string): Promise<string | undefined> {
  const { rows } = await db.query(`SELECT id FROM messaging.messages WHERE tenant_id = $1 AND wamid = $2`, [tenantId, wamid]);
  return z.array(z.object({ id: z.string() })).parse(rows)[0]?.id;
}

export async function findMessageInConversation(
  db: Queryable,
  tenantId: string,
  conversationId: string,
  id: string,
): Promise<MessageRow | undefined> {
  const { rows } = await db.query(
    `SELECT ${COLUMNS} FROM messaging.messages WHERE tenant_id = $1 AND conversation_id = $2 AND id = $3`,
    [tenantId, conversationId, id],
  );
  return parseRows(rows)[0];
}

export async function findByIdempotencyKey(
  db: Queryable,
  tenantId: string,
  conversationId: string,
  idempotencyKey: string,
): Promise<MessageRow | undefined> {
  const { rows } = await db.query(
    `SELECT ${COLUMNS} FROM messaging.messages WHERE tenant_id = $1 AND conversation_id = $2 AND idempotency_key = $3`,
    [tenantId, conversationId, idempotencyKey],
  );
  return parseRows(rows)[0];
}

/** Newest first (messaging.proto); `limit + 1` rows so the caller can tell whether a next page exists. */
export async function listMessages(
  db: Queryable,
  tenantId: string,
  conversationId: string,
  page: { limit: number; before: Cursor | undefined },
): Promise<MessageRow[]> {
  const { rows } = page.before
    ? await db.query(
        `SELECT ${COLUMNS} FROM messaging.messages
          WHERE tenant_id = $1 AND conversation_id = $2 AND (created_at, id) < ($3, $4)
          ORDER BY created_at DESC, id DESC LIMIT $5`,
        [tenantId, conversationId, page.before.at, page.before.id, page.limit + 1],
      )
    : await db.query(
        `SELECT ${COLUMNS} FROM messaging.messages
          WHERE tenant_id = $1 AND conversation_id = $2 ORDER BY created_at DESC, id DESC LIMIT $3`,
        [tenantId, conversationId, page.limit + 1],
      );
  return parseRows(rows);
}

export async function setWamid(db: Queryable, tenantId: string, id: string, wamid: string): Promise<void> {
  await db.query(`UPDATE messaging.messages SET wamid = $3 WHERE tenant_id = $1 AND id = $2`, [tenantId, id, wamid]);
}

/** The delivery facts of an outbound row; undefined for an inbound one. */
export function deliveryStateOf(row: MessageRow): DeliveryState | undefined {
  if (!isOutboundState(row.state)) return undefined;
  return {
    state: row.state,
    stateAt: row.state_at,
    failure: row.error_code === null ? null : { code: row.error_code, reason: row.error_reason ?? '' },
    at: { sent: row.sent_status_at, delivered: row.delivered_status_at, read: row.read_status_at, failed: row.failed_status_at },
  };
}

export async function saveDeliveryState(db: Queryable, tenantId: string, id: string, delivery: DeliveryState): Promise<void> {
  await db.query(
    `UPDATE messaging.messages SET
        state = $3, state_at = $4, error_code = $5, error_reason = $6,
        sent_status_at = $7, delivered_status_at = $8, read_status_at = $9, failed_status_at = $10
      WHERE tenant_id = $1 AND id = $2`,
    [
      tenantId,
      id,
      delivery.state,
      delivery.stateAt,
      delivery.failure?.code ?? null,
      delivery.failure?.reason ?? null,
      delivery.at.sent,
      delivery.at.delivered,
      delivery.at.read,
      delivery.at.failed,
    ],
  );
}
