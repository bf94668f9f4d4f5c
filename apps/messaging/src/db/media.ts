// Media table (see migrations/0007_media.sql). Every query but `dueMediaIds` runs inside
// withTenant; `dueMediaIds` is the fetch job's cross-tenant scan (ids only, READ ONLY, the
// `media_fetch_scan` policy).
import { type Pool, type Queryable, withTransaction } from '@careline/db';
import { z } from 'zod';
import { MEDIA_STATES } from '../domain/media';
import { bytes } from './rows';


const mediaRow = z.object({
  id: z.string(),
  tenant_id: z.string(),
  message_id: z.string(),
  phone_number_id: z.string(),
  meta_media_id: z.string(),
  declared_mime_type: z.string(),
  declared_sha256: z.string(),
  state: z.enum(MEDIA_STATES),
  attempts: z.number().int(),
  next_attempt_at: z.date().nullable(),
  last_error: z.string().nullable(),
  mime_type: z.string().nullable(),
  size_bytes: z.coerce.number().nullable(),
  sha256: z.string().nullable(),
  created_at: z.date(),
});
export type MediaRow = z.infer<typeof mediaRow>;

const COLUMNS = `id, tenant_id, message_id, phone_number_id, meta_media_id, declared_mime_type, declared_sha256, state,
  attempts, next_attempt_at, last_error, mime_type, size_bytes, sha256, created_at`;

export interface NewMedia {
  id: string;
  tenantId: string;
  messageId: string;
  phoneNumberId: string;
  metaMediaId: string;
  declaredMimeType: string;
  declaredSha256: string;
  /** When the first attempt is due (now: the job picks it up on its next poll). */
  firstAttemptAt: Date;
}

export async function insertPendingMedia(db: Queryable, media: NewMedia): Promise<void> {
  await db.query(
    `INSERT INTO messaging.media
       (id, tenant_id, message_id, phone_number_id, meta_media_id, declared_mime_type, declared_sha256, state,
        attempts, next_attempt_at, created_at, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, 'pending', 0, $8, $8, $8)
     ON CONFLICT (message_id) DO NOTHING`,
    [
      media.id,
      media.tenantId,
      media.messageId,
      media.phoneNumberId,
      media.metaMediaId,
      media.declaredMimeType,
      media.declaredSha256,
      media.firstAttemptAt,
    ],
  );
}

/** Due pending rows of every tenant, oldest due first (ids only). */
export async function dueMediaIds(pool: Pool, now: Date, limit: number): Promise<{ id: string; tenantId: string }[]> {
  return withTransaction(pool, async (client) => {
    await client.query('SET TRANSACTION READ ONLY');
    await client.query("SELECT set_config('app.media_fetch_scan', 'on', true)");
    const { rows } = await client.query(
      `SELECT id, tenant_id FROM messaging.media WHERE state = 'pending' AND next_attempt_at <= $1
        ORDER BY next_attempt_at LIMIT $2`,
      [now, limit],
    );
    return z
      .array(z.object({ id: z.string(), tenant_id: z.string() }))
      .parse(rows)
      .map((row) => ({ id: row.id, tenantId: row.tenant_id }));
  });
}

/**
 * Claims one due row for an attempt: counts the attempt and leases the row until `leaseUntil`
 * (so a crashed worker's attempt is retried after the lease). SKIP LOCKED: another instance
 * claiming the same row at the same moment gets nothing rather than waiting.
 */
export async function claimMedia(
  db: Queryable,
  tenantId: string,
  id: string,
  now: Date,
  leaseUntil: Date,
): Promise<MediaRow | undefined> {
  const { rows } = await db.query(
    `UPDATE messaging.media SET attempts = attempts + 1, next_attempt_at = $4, updated_at = $3
      WHERE id = (SELECT id FROM messaging.media
                   WHERE tenant_id = $1 AND id = $2 AND state = 'pending' AND next_attempt_at <= $3
                   FOR UPDATE SKIP LOCKED)
      RETURNING ${COLUMNS}`,
    [tenantId, id, now, leaseUntil],
  );
  return rows[0] === undefined ? undefined : mediaRow.parse(rows[0]);
}

export async function markMediaStored(
  db: Queryable,
  tenantId: string,
  id: string,
  stored: { mimeType: string; sizeBytes: number; sha256: string; contentSealed: Uint8Array; at: Date },
): Promise<boolean> {
  const result = await db.query(
    `UPDATE messaging.media SET state = 'stored', next_attempt_at = NULL, last_error = NULL, mime_type = $3,
            size_bytes = $4, sha256 = $5, content_sealed = $6, updated_at = $7
      WHERE tenant_id = $1 AND id = $2 AND state = 'pending'`,
    [tenantId, id, stored.mimeType, stored.sizeBytes, stored.sha256, stored.contentSealed, stored.at],
  );
  return result.rowCount === 1;
}

/** Records a failed attempt: retried at `retryAt`, or `failed` for good when `retryAt` is null. */
export async function markMediaAttemptFailed(
  db: Queryable,
  tenantId: string,
  id: string,
  failure: { errorCode: string; retryAt: Date | null; at: Date },
): Promise<void> {
  await db.query(
    `UPDATE messaging.media SET state = CASE WHEN $4::timestamptz IS NULL THEN 'failed' ELSE 'pending' END,
            next_attempt_at = $4, last_error = $3, updated_at = $5
      WHERE tenant_id = $1 AND id = $2 AND state = 'pending'`,
    [tenantId, id, failure.errorCode, failure.retryAt, failure.at],
  );
}

export async function mediaForMessage(db: Queryable, tenantId: string, messageId: string): Promise<MediaRow | undefined> {
  const { rows } = await db.query(`SELECT ${COLUMNS} FROM messaging.media WHERE tenant_id = $1 AND message_id = $2`, [
    tenantId,
    messageId,
  ]);
  return rows[0] === undefined ? undefined : mediaRow.parse(rows[0]);
}

export async function mediaContent(db: Queryable, tenantId: string, id: string): Promise<Uint8Array | undefined> {
  const { rows } = await db.query(
    `SELECT content_sealed FROM messaging.media WHERE tenant_id = $1 AND id = $2 AND state = 'stored'`,
    [tenantId, id],
  );
  return z.array(z.object({ content_sealed: bytes })).parse(rows)[0]?.content_sealed;
}

/** Replaces a message's sealed content (the media variant follows its media row's state). */
export async function updateMessageContent(db: Queryable, tenantId: string, messageId: string, contentSealed: Uint8Array): Promise<void> {
  await db.query(`UPDATE messaging.messages SET content_sealed = $3 WHERE tenant_id = $1 AND id = $2`, [
    tenantId,
    messageId,
    contentSealed,
  ]);
}
