// Shares: one row per release of a document, with the state of its release page. The link token
// and session cookie are stored only as hashes.
import { type PoolClient, type Queryable } from '@careline/db';
import { z } from 'zod';

const shareRow = z.object({
  id: z.string(),
  tenant_id: z.string(),
  document_id: z.string(),
  patient_id: z.string(),
  token_hash: z.string(),
  idempotency_key: z.string(),
  shared_by: z.string(),
  created_at: z.date(),
  expires_at: z.date(),
  notice: z.enum(['pending', 'sent', 'failed']),
  notice_message_id: z.string().nullable(),
  notice_conversation_id: z.string().nullable(),
  opened_at: z.date().nullable(),
  verified_at: z.date().nullable(),
  downloaded_at: z.date().nullable(),
  revoked_at: z.date().nullable(),
  locked_at: z.date().nullable(),
  failed_attempts: z.number().int(),
  code_hash: z.string().nullable(),
  code_expires_at: z.date().nullable(),
  codes_sent: z.number().int(),
  session_hash: z.string().nullable(),
  session_expires_at: z.date().nullable(),
});
export type ShareRow = z.infer<typeof shareRow>;

const COLUMNS = `id, tenant_id, document_id, patient_id, token_hash, idempotency_key, shared_by, created_at, expires_at, notice,
  notice_message_id, notice_conversation_id, opened_at, verified_at, downloaded_at, revoked_at, locked_at, failed_attempts, code_hash, code_expires_at,
  codes_sent, session_hash, session_expires_at`;

function one(rows: unknown[]): ShareRow | undefined {
  return rows[0] === undefined ? undefined : shareRow.parse(rows[0]);
}

export interface NewShare {
  id: string;
  tenantId: string;
  documentId: string;
  patientId: string;
  tokenHash: string;
  idempotencyKey: string;
  sharedBy: string;
  createdAt: Date;
  expiresAt: Date;
}

export async function insertShare(db: Queryable, s: NewShare): Promise<void> {
  await db.query(
    `INSERT INTO records.shares (id, tenant_id, document_id, patient_id, token_hash, idempotency_key, shared_by, created_at, expires_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
    [
      s.id,
      s.tenantId,
      s.documentId,
      s.patientId,
      s.tokenHash,
      s.idempotencyKey,
      s.sharedBy,
      s.createdAt,
      s.expiresAt,
    ],
  );
}

/** The live (not failed) share of a document with this idempotency key. */
export async function findShareByIdempotencyKey(
  db: Queryable,
  tenantId: string,
  documentId: string,
  key: string,
): Promise<ShareRow | undefined> {
  const result = await db.query(
    `SELECT ${COLUMNS} FROM records.shares WHERE tenant_id = $1 AND document_id = $2 AND idempotency_key = $3 AND notice <> 'failed'`,
    [tenantId, documentId, key],
  );
  return one(result.rows);
}

export async function getShare(
  db: Queryable,
  tenantId: string,
  shareId: string,
  options: { lock?: boolean } = {},
): Promise<ShareRow | undefined> {
  const result = await db.query(
    `SELECT ${COLUMNS} FROM records.shares WHERE tenant_id = $1 AND id = $2${options.lock === true ? ' FOR UPDATE' : ''}`,
    [tenantId, shareId],
  );
  return one(result.rows);
}

export async function listShares(
  db: Queryable,
  tenantId: string,
  scope: { documentId: string } | { patientId: string },
): Promise<ShareRow[]> {
  const [column, value] =
    'documentId' in scope ? ['document_id', scope.documentId] : ['patient_id', scope.patientId];
  const result = await db.query(
    `SELECT ${COLUMNS} FROM records.shares WHERE tenant_id = $1 AND ${column} = $2 ORDER BY created_at DESC, id DESC LIMIT 500`,
    [tenantId, value],
  );
  return result.rows.map((row) => shareRow.parse(row));
}

/**
 * Which tenant and share a link token belongs to. The one read made without a tenant: inside a
 * transaction that sets `app.share_token_hash` for itself, which the `share_by_token` policy turns
 * into "exactly the share with this hash" (SELECT only). Must run on a client in a transaction.
 */
export async function findShareTenantByToken(
  client: PoolClient,
  tokenHash: string,
): Promise<{ tenantId: string; shareId: string } | undefined> {
  await client.query("SELECT set_config('app.share_token_hash', $1, true)", [tokenHash]);
  const result = await client.query('SELECT tenant_id, id FROM records.shares WHERE token_hash = $1', [
    tokenHash,
  ]);
  const row = z.object({ tenant_id: z.string(), id: z.string() }).array().parse(result.rows)[0];
  return row === undefined ? undefined : { tenantId: row.tenant_id, shareId: row.id };
}

export type ShareUpdate = Partial<
  Pick<
    ShareRow,
    | 'notice'
    | 'notice_message_id'
    | 'notice_conversation_id'
    | 'opened_at'
    | 'verified_at'
    | 'downloaded_at'
    | 'revoked_at'
    | 'locked_at'
    | 'failed_attempts'
    | 'code_hash'
    | 'code_expires_at'
    | 'codes_sent'
    | 'session_hash'
    | 'session_expires_at'
  >
> & { revoked_by?: string };

const UPDATABLE = new Set([
  'notice',
  'notice_message_id',
  'notice_conversation_id',
  'opened_at',
  'verified_at',
  'downloaded_at',
  'revoked_at',
  'revoked_by',
  'locked_at',
  'failed_attempts',
  'code_hash',
  'code_expires_at',
  'codes_sent',
  'session_hash',
  'session_expires_at',
]);

export async function updateShare(
  db: Queryable,
  tenantId: string,
  shareId: string,
  update: ShareUpdate,
): Promise<void> {
  const entries = Object.entries(update).filter(([, value]) => value !== undefined);
  if (entries.length === 0) return;
  for (const [column] of entries) {
    // column names come from the typed update, checked again so that no string ever reaches SQL unchecked
    if (!UPDATABLE.has(column)) throw new TypeError(`not an updatable share column: ${column}`);
  }
  const sets = entries.map(([column], index) => `${column} = $${index + 3}`).join(', ');
  await db.query(`UPDATE records.shares SET ${sets} WHERE tenant_id = $1 AND id = $2`, [
    tenantId,
    shareId,
    ...entries.map(([, v]) => v),
  ]);
}

/** A patient's shares whose notice went out (newest first): what was released to them. */
export async function listReleasedShares(db: Queryable, tenantId: string, patientId: string): Promise<ShareRow[]> {
  const result = await db.query(
    `SELECT ${COLUMNS} FROM records.shares WHERE tenant_id = $1 AND patient_id = $2 AND notice = 'sent'
      ORDER BY created_at DESC, id DESC LIMIT 500`,
    [tenantId, patientId],
  );
  return result.rows.map((row) => shareRow.parse(row));
}

/** The per-tenant release policy (the default when the tenant never changed it). */
export async function getTenantPolicy(db: Queryable, tenantId: string): Promise<{ chatDelivery: boolean }> {
  const result = await db.query('SELECT chat_delivery FROM records.tenant_policies WHERE tenant_id = $1', [tenantId]);
  const row = z.object({ chat_delivery: z.boolean() }).array().parse(result.rows)[0];
  return { chatDelivery: row?.chat_delivery ?? false };
}

export async function setTenantPolicy(db: Queryable, tenantId: string, policy: { chatDelivery: boolean }, actor: string, at: Date): Promise<void> {
  await db.query(
    `INSERT INTO records.tenant_policies (tenant_id, chat_delivery, updated_by, updated_at) VALUES ($1, $2, $3, $4)
     ON CONFLICT (tenant_id) DO UPDATE SET chat_delivery = EXCLUDED.chat_delivery, updated_by = EXCLUDED.updated_by, updated_at = EXCLUDED.updated_at`,
    [tenantId, policy.chatDelivery, actor, at],
  );
}
