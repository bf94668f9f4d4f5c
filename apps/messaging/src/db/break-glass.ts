// Break-glass grants: one member of staff, one restricted conversation, until a time. Rows are only
// inserted; a grant ends by its expiry (the clock), so the history stays whole for reviewers.
import { type Queryable } from '@careline/db';
import { z } from 'zod';

export const BREAK_GLASS_REASONS = ['emergency_treatment', 'patient_request', 'clinical_handover', 'other'] as const;
export type BreakGlassReasonName = (typeof BREAK_GLASS_REASONS)[number];

const grantRow = z.object({
  id: z.string(),
  conversation_id: z.string(),
  actor: z.string(),
  reason: z.enum(BREAK_GLASS_REASONS),
  granted_at: z.date(),
  expires_at: z.date(),
});

export type GrantRow = z.infer<typeof grantRow>;

export interface NewGrant {
  id: string;
  tenantId: string;
  conversationId: string;
  actor: string;
  reason: BreakGlassReasonName;
  justificationSealed: Uint8Array;
  grantedAt: Date;
  expiresAt: Date;
}

export async function insertGrant(db: Queryable, grant: NewGrant): Promise<void> {
  await db.query(
    `INSERT INTO messaging.break_glass_grants
       (id, tenant_id, conversation_id, actor, reason, justification_sealed, granted_at, expires_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
    [grant.id, grant.tenantId, grant.conversationId, grant.actor, grant.reason, grant.justificationSealed, grant.grantedAt, grant.expiresAt],
  );
}

/**
 * The caller's grant in force at `now` for each of the conversations (the one that lasts longest,
 * when several overlap). A grant from the future (a clock moved back) is not in force.
 */
export async function activeGrants(
  db: Queryable,
  tenantId: string,
  actor: string,
  conversationIds: readonly string[],
  now: Date,
): Promise<Map<string, GrantRow>> {
  if (conversationIds.length === 0) return new Map();
  const { rows } = await db.query(
    `SELECT DISTINCT ON (conversation_id) id, conversation_id, actor, reason, granted_at, expires_at
       FROM messaging.break_glass_grants
      WHERE tenant_id = $1 AND actor = $2 AND conversation_id = ANY($3::uuid[]) AND granted_at <= $4 AND expires_at > $4
      ORDER BY conversation_id, expires_at DESC`,
    [tenantId, actor, conversationIds, now],
  );
  return new Map(rows.map((row) => grantRow.parse(row)).map((grant) => [grant.conversation_id, grant]));
}
