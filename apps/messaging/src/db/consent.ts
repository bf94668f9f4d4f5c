// Patient consent (per tenant and patient number hash) and its history.
import { randomUUID } from 'node:crypto';
import { type Queryable } from '@careline/db';
import { z } from 'zod';
import { type ConsentSourceName, type ConsentStateName } from '../domain/consent';

const SOURCES = ['keyword', 'user_preferences', 'staff', 'api', 'import'] as const;
const STATES = ['unspecified', 'opted_in', 'opted_out'] as const;

const consentRow = z.object({
  state: z.enum(STATES),
  source: z.enum(SOURCES).nullable(),
  changed_at: z.date().nullable(),
  changed_by: z.string().nullable(),
  marketing_stopped: z.boolean(),
  preferred_language: z.string().nullable(),
});

export interface ConsentRecord {
  state: ConsentStateName;
  source: ConsentSourceName | null;
  changedAt: Date | null;
  changedBy: string | null;
  marketingStopped: boolean;
  preferredLanguage: string | null;
}

export const NO_CONSENT: ConsentRecord = {
  state: 'unspecified',
  source: null,
  changedAt: null,
  changedBy: null,
  marketingStopped: false,
  preferredLanguage: null,
};

/** The patient's consent; `lock` holds the row (if any) for this transaction. */
export async function getConsent(db: Queryable, tenantId: string, waIdHash: string, options: { lock?: boolean } = {}): Promise<ConsentRecord> {
  const { rows } = await db.query(
    `SELECT state, source, changed_at, changed_by, marketing_stopped, preferred_language
       FROM messaging.patient_consent WHERE tenant_id = $1 AND wa_id_hash = $2${options.lock === true ? ' FOR UPDATE' : ''}`,
    [tenantId, waIdHash],
  );
  if (rows[0] === undefined) return NO_CONSENT;
  const row = consentRow.parse(rows[0]);
  return {
    state: row.state,
    source: row.source,
    changedAt: row.changed_at,
    changedBy: row.changed_by,
    marketingStopped: row.marketing_stopped,
    preferredLanguage: row.preferred_language,
  };
}

/** Writes the new consent and, when `change` is given, one history row. */
export async function saveConsent(
  db: Queryable,
  tenantId: string,
  waIdHash: string,
  consent: ConsentRecord,
  now: Date,
  change?: { source: ConsentSourceName; by: string; at: Date },
): Promise<void> {
  await db.query(
    `INSERT INTO messaging.patient_consent
       (tenant_id, wa_id_hash, state, source, changed_at, changed_by, marketing_stopped, preferred_language, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
     ON CONFLICT (tenant_id, wa_id_hash) DO UPDATE SET
       state = EXCLUDED.state, source = EXCLUDED.source, changed_at = EXCLUDED.changed_at, changed_by = EXCLUDED.changed_by,
       marketing_stopped = EXCLUDED.marketing_stopped, preferred_language = EXCLUDED.preferred_language,
       updated_at = EXCLUDED.updated_at`,
    [tenantId, waIdHash, consent.state, consent.source, consent.changedAt, consent.changedBy, consent.marketingStopped, consent.preferredLanguage, now],
  );
  if (change) {
    await db.query(
      `INSERT INTO messaging.consent_changes (id, tenant_id, wa_id_hash, state, source, marketing_stopped, changed_at, changed_by)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
      [randomUUID(), tenantId, waIdHash, consent.state, change.source, consent.marketingStopped, change.at, change.by],
    );
  }
}

const changeRow = z.object({
  state: z.enum(STATES),
  source: z.enum(SOURCES),
  marketing_stopped: z.boolean(),
  changed_at: z.date(),
  changed_by: z.string(),
});
export type ConsentChangeRow = z.infer<typeof changeRow>;

export async function listConsentChanges(db: Queryable, tenantId: string, waIdHash: string, limit: number): Promise<ConsentChangeRow[]> {
  const { rows } = await db.query(
    `SELECT state, source, marketing_stopped, changed_at, changed_by FROM messaging.consent_changes
      WHERE tenant_id = $1 AND wa_id_hash = $2 ORDER BY changed_at DESC, id DESC LIMIT $3`,
    [tenantId, waIdHash, limit],
  );
  return rows.map((row) => changeRow.parse(row));
}

/** Whether any conversation of these patients is opted out (for conversation lists). */
export async function optedOutHashes(db: Queryable, tenantId: string, hashes: readonly string[]): Promise<Set<string>> {
  if (hashes.length === 0) return new Set();
  const { rows } = await db.query(
    `SELECT wa_id_hash FROM messaging.patient_consent WHERE tenant_id = $1 AND wa_id_hash = ANY($2) AND state = 'opted_out'`,
    [tenantId, hashes],
  );
  return new Set(rows.map((row) => z.object({ wa_id_hash: z.string() }).parse(row).wa_id_hash));
}

// --- idempotency of SendTemplate / SendInteractive ------------------------------------------------

/** Serialises calls with one key for the rest of the transaction. */
export async function lockIdempotencyKey(db: Queryable, tenantId: string, key: string): Promise<void> {
  await db.query(`SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`, [`messaging:send:${tenantId}:${key}`]);
}

const sendRequestRow = z.object({ message_id: z.string(), conversation_id: z.string(), language: z.string() });

export async function findSendRequest(
  db: Queryable,
  tenantId: string,
  key: string,
): Promise<{ messageId: string; conversationId: string; language: string } | undefined> {
  const { rows } = await db.query(
    `SELECT message_id, conversation_id, language FROM messaging.send_requests WHERE tenant_id = $1 AND idempotency_key = $2`,
    [tenantId, key],
  );
  if (rows[0] === undefined) return undefined;
  const row = sendRequestRow.parse(rows[0]);
  return { messageId: row.message_id, conversationId: row.conversation_id, language: row.language };
}

export async function insertSendRequest(
  db: Queryable,
  request: { tenantId: string; key: string; messageId: string; conversationId: string; language: string; at: Date },
): Promise<void> {
  await db.query(
    `INSERT INTO messaging.send_requests (tenant_id, idempotency_key, message_id, conversation_id, language, created_at)
     VALUES ($1, $2, $3, $4, $5, $6)`,
    [request.tenantId, request.key, request.messageId, request.conversationId, request.language, request.at],
  );
}
