// Patient keys, erasures and retention policies (migration 0010). Every function takes a client
// inside withTenant and the tenant id, as the other repositories do; the retention scan alone reads
// across tenants (READ ONLY + `app.retention_scan`, ids only).
import { type Pool, type Queryable, withTransaction } from '@careline/db';
import { z } from 'zod';
import { bytes, nullableBytes } from './rows';

// --- patient keys ---

/** Inserts the patient's key unless one exists; either way returns the row in force, locked FOR SHARE
 * so that an erasure (which deletes it) waits for this transaction rather than orphaning its values. */
export async function ensurePatientKey(
  db: Queryable,
  key: { id: string; tenantId: string; waIdHash: string; keySealed: Uint8Array; createdAt: Date },
): Promise<{ id: string; keySealed: Uint8Array }> {
  await db.query(
    `INSERT INTO messaging.patient_keys (id, tenant_id, wa_id_hash, key_sealed, created_at)
     VALUES ($1, $2, $3, $4, $5) ON CONFLICT (tenant_id, wa_id_hash) DO NOTHING`,
    [key.id, key.tenantId, key.waIdHash, key.keySealed, key.createdAt],
  );
  const found = await lockPatientKey(db, key.tenantId, key.waIdHash, 'FOR SHARE');
  if (found === undefined) throw new Error('patient key vanished after insert');
  return found;
}

export async function lockPatientKey(
  db: Queryable,
  tenantId: string,
  waIdHash: string,
  lock: 'FOR SHARE' | 'FOR UPDATE',
): Promise<{ id: string; keySealed: Uint8Array } | undefined> {
  const { rows } = await db.query(
    `SELECT id, key_sealed FROM messaging.patient_keys WHERE tenant_id = $1 AND wa_id_hash = $2 ${lock}`,
    [tenantId, waIdHash],
  );
  const row = z.object({ id: z.string(), key_sealed: bytes }).optional().parse(rows[0]);
  return row === undefined ? undefined : { id: row.id, keySealed: row.key_sealed };
}

export async function patientKeyById(db: Queryable, tenantId: string, id: string): Promise<Uint8Array | undefined> {
  const { rows } = await db.query('SELECT key_sealed FROM messaging.patient_keys WHERE tenant_id = $1 AND id = $2', [tenantId, id]);
  return z.object({ key_sealed: bytes }).optional().parse(rows[0])?.key_sealed;
}

// --- erasure ---

const erasureRow = z.object({
  id: z.string(),
  wa_id_hash: z.string(),
  conversation_ids: z.array(z.string()),
  trigger: z.enum(['staff', 'retention']),
  messages_erased: z.number().int(),
  media_erased: z.number().int(),
  notes_erased: z.number().int(),
  inbox_events_erased: z.number().int(),
  key_destroyed: z.boolean(),
  erased_at: z.date(),
  reason_sealed: nullableBytes,
});
export type ErasureRow = z.infer<typeof erasureRow>;

export async function erasureForConversation(db: Queryable, tenantId: string, conversationId: string): Promise<ErasureRow | undefined> {
  const { rows } = await db.query(
    `SELECT id, wa_id_hash, conversation_ids::text[] AS conversation_ids, trigger, messages_erased, media_erased, notes_erased,
            inbox_events_erased, key_destroyed, erased_at, reason_sealed
       FROM messaging.patient_erasures WHERE tenant_id = $1 AND conversation_ids @> ARRAY[$2::uuid]
      ORDER BY erased_at LIMIT 1`,
    [tenantId, conversationId],
  );
  return erasureRow.optional().parse(rows[0]);
}

/** The patient's conversations, locked in id order (the same order for every eraser). */
export async function lockPatientConversations(db: Queryable, tenantId: string, waIdHash: string): Promise<string[]> {
  const { rows } = await db.query(
    'SELECT id FROM messaging.conversations WHERE tenant_id = $1 AND wa_id_hash = $2 ORDER BY id FOR UPDATE',
    [tenantId, waIdHash],
  );
  return z.array(z.object({ id: z.string() })).parse(rows).map((row) => row.id);
}

export interface ErasedCounts {
  messages: number;
  media: number;
  notes: number;
  inboxEvents: number;
}

/**
 * Deletes everything messaging holds about these conversations (children first: media → messages →
 * conversations). Kept: patient_consent (an opt-out outlives the chat) and the patient-link
 * projection (hashes and ids of records' registry, not messaging data).
 */
export async function deleteConversationData(db: Queryable, tenantId: string, conversationIds: string[]): Promise<ErasedCounts> {
  const ids = [tenantId, conversationIds];
  const count = async (sql: string): Promise<number> => (await db.query(sql, ids)).rowCount ?? 0;
  const media = await count(
    `DELETE FROM messaging.media WHERE tenant_id = $1 AND message_id IN
       (SELECT id FROM messaging.messages WHERE tenant_id = $1 AND conversation_id = ANY($2::uuid[]))`,
  );
  await count(
    `DELETE FROM messaging.pending_statuses WHERE tenant_id = $1 AND message_id IN
       (SELECT id FROM messaging.messages WHERE tenant_id = $1 AND conversation_id = ANY($2::uuid[]))`,
  );
  const messages = await count('DELETE FROM messaging.messages WHERE tenant_id = $1 AND conversation_id = ANY($2::uuid[])');
  const notes = await count('DELETE FROM messaging.conversation_notes WHERE tenant_id = $1 AND conversation_id = ANY($2::uuid[])');
  const inboxEvents = await count('DELETE FROM messaging.inbox_events WHERE tenant_id = $1 AND conversation_id = ANY($2::uuid[])');
  await count('DELETE FROM messaging.break_glass_grants WHERE tenant_id = $1 AND conversation_id = ANY($2::uuid[])');
  await count('DELETE FROM messaging.send_requests WHERE tenant_id = $1 AND conversation_id = ANY($2::uuid[])');
  await count('DELETE FROM messaging.conversations WHERE tenant_id = $1 AND id = ANY($2::uuid[])');
  return { messages, media, notes, inboxEvents };
}

export async function deletePatientKey(db: Queryable, tenantId: string, waIdHash: string): Promise<string | undefined> {
  const { rows } = await db.query('DELETE FROM messaging.patient_keys WHERE tenant_id = $1 AND wa_id_hash = $2 RETURNING id', [tenantId, waIdHash]);
  return z.object({ id: z.string() }).optional().parse(rows[0])?.id;
}

export async function insertErasure(
  db: Queryable,
  erasure: {
    id: string;
    tenantId: string;
    waIdHash: string;
    conversationIds: string[];
    trigger: 'staff' | 'retention';
    actor: string;
    reasonSealed: Uint8Array | null;
    counts: ErasedCounts;
    keyDestroyed: boolean;
    erasedAt: Date;
  },
): Promise<void> {
  await db.query(
    `INSERT INTO messaging.patient_erasures (id, tenant_id, wa_id_hash, conversation_ids, trigger, actor, reason_sealed,
       messages_erased, media_erased, notes_erased, inbox_events_erased, key_destroyed, erased_at)
     VALUES ($1, $2, $3, $4::uuid[], $5, $6, $7, $8, $9, $10, $11, $12, $13)`,
    [
      erasure.id,
      erasure.tenantId,
      erasure.waIdHash,
      erasure.conversationIds,
      erasure.trigger,
      erasure.actor,
      erasure.reasonSealed,
      erasure.counts.messages,
      erasure.counts.media,
      erasure.counts.notes,
      erasure.counts.inboxEvents,
      erasure.keyDestroyed,
      erasure.erasedAt,
    ],
  );
}

// --- retention ---

export async function getRetentionPolicy(
  db: Queryable,
  tenantId: string,
): Promise<{ closedConversationDays: number; updatedAt: Date } | undefined> {
  const { rows } = await db.query(
    'SELECT closed_conversation_days, updated_at FROM messaging.retention_policies WHERE tenant_id = $1',
    [tenantId],
  );
  const row = z.object({ closed_conversation_days: z.number().int(), updated_at: z.date() }).optional().parse(rows[0]);
  return row === undefined ? undefined : { closedConversationDays: row.closed_conversation_days, updatedAt: row.updated_at };
}

export async function upsertRetentionPolicy(db: Queryable, tenantId: string, days: number, actor: string, at: Date): Promise<void> {
  await db.query(
    `INSERT INTO messaging.retention_policies (tenant_id, closed_conversation_days, updated_at, updated_by) VALUES ($1, $2, $3, $4)
     ON CONFLICT (tenant_id) DO UPDATE SET closed_conversation_days = $2, updated_at = $3, updated_by = $4`,
    [tenantId, days, at, actor],
  );
}

/** Conversations of every tenant closed before their tenant's cut-off (ids only), oldest first. */
export async function expiredConversations(pool: Pool, now: Date, limit: number): Promise<{ id: string; tenantId: string }[]> {
  return withTransaction(pool, async (client) => {
    await client.query('SET TRANSACTION READ ONLY');
    await client.query("SELECT set_config('app.retention_scan', 'on', true)");
    const { rows } = await client.query(
      `SELECT c.id, c.tenant_id FROM messaging.conversations c
         JOIN messaging.retention_policies p ON p.tenant_id = c.tenant_id AND p.closed_conversation_days > 0
        WHERE c.status = 'closed' AND c.closed_at < $1::timestamptz - make_interval(days => p.closed_conversation_days)
        ORDER BY c.closed_at LIMIT $2`,
      [now, limit],
    );
    return z
      .array(z.object({ id: z.string(), tenant_id: z.string() }))
      .parse(rows)
      .map((row) => ({ id: row.id, tenantId: row.tenant_id }));
  });
}

/** Locks one conversation for the retention job if it is still closed past the cut-off; SKIP LOCKED:
 * another replica working on it (or a patient message reopening it) makes this one pass. */
export async function claimExpiredConversation(
  db: Queryable,
  tenantId: string,
  id: string,
  now: Date,
): Promise<{ waIdHash: string } | undefined> {
  const { rows } = await db.query(
    `SELECT c.wa_id_hash FROM messaging.conversations c
       JOIN messaging.retention_policies p ON p.tenant_id = c.tenant_id AND p.closed_conversation_days > 0
      WHERE c.tenant_id = $1 AND c.id = $2 AND c.status = 'closed'
        AND c.closed_at < $3::timestamptz - make_interval(days => p.closed_conversation_days)
      FOR UPDATE OF c SKIP LOCKED`,
    [tenantId, id, now],
  );
  const row = z.object({ wa_id_hash: z.string() }).optional().parse(rows[0]);
  return row === undefined ? undefined : { waIdHash: row.wa_id_hash };
}

/** The wa_id_hash of the patient whose conversation holds the message (undefined: erased). */
export async function patientOfMessage(db: Queryable, tenantId: string, messageId: string): Promise<string | undefined> {
  const { rows } = await db.query(
    `SELECT c.wa_id_hash FROM messaging.messages m JOIN messaging.conversations c ON c.tenant_id = m.tenant_id AND c.id = m.conversation_id
      WHERE m.tenant_id = $1 AND m.id = $2`,
    [tenantId, messageId],
  );
  return z.object({ wa_id_hash: z.string() }).optional().parse(rows[0])?.wa_id_hash;
}
