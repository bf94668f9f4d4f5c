// Which patient a number belongs to (migration 0008): messaging's projection of records' events,
// and the link it puts on conversations. Same convention as conversations.ts: a client inside
// withTenant, and the tenant id in every predicate.
//
// The rule, per (tenant, wa_id_hash), read from the projection as a whole so that it does not
// depend on the order in which events of different patients arrive (they are keyed per patient,
// so different partitions):
// 1. a contact staff linked to a patient (the latest link wins: staff decided);
// 2. else the one patient whose registered number it is;
// 3. else none: unknown, or several patients share the number (a family phone): linking one of
//    them by guess could show the care team the wrong record, so staff link it.
import { type Queryable } from '@careline/db';
import { z } from 'zod';

/**
 * Serialises link changes and first conversations of one number in a tenant: without it, a first
 * message could read the projection just before a concurrent record event commits, and the
 * record event's relink just before the conversation commits, leaving it unlinked. Lock hashes in
 * sorted order when taking several (deadlock-free).
 */
export async function lockNumber(db: Queryable, tenantId: string, waIdHash: string): Promise<void> {
  await db.query(`SELECT pg_advisory_xact_lock(hashtextextended('messaging:patient-link:' || $1 || ':' || $2, 0))`, [
    tenantId,
    waIdHash,
  ]);
}

const numberRow = z.object({ wa_id_hash: z.string().nullable(), occurred_at: z.date() });

/**
 * The patient's registered number as records says it is at `occurredAt`. Not applied when the
 * projection already holds a newer fact (a redelivered older event). Returns the previous number.
 */
export async function setPatientNumber(
  db: Queryable,
  change: { tenantId: string; patientId: string; waIdHash: string | null; occurredAt: Date; now: Date },
): Promise<{ applied: boolean; previousWaIdHash: string | null }> {
  const { rows } = await db.query(
    `SELECT wa_id_hash, occurred_at FROM messaging.patient_numbers WHERE tenant_id = $1 AND patient_id = $2 FOR UPDATE`,
    [change.tenantId, change.patientId],
  );
  const existing = rows[0] === undefined ? undefined : numberRow.parse(rows[0]);
  if (existing !== undefined && existing.occurred_at > change.occurredAt) {
    return { applied: false, previousWaIdHash: existing.wa_id_hash };
  }
  await db.query(
    `INSERT INTO messaging.patient_numbers (tenant_id, patient_id, wa_id_hash, occurred_at, updated_at)
     VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (tenant_id, patient_id) DO UPDATE SET wa_id_hash = $3, occurred_at = $4, updated_at = $5`,
    [change.tenantId, change.patientId, change.waIdHash, change.occurredAt, change.now],
  );
  return { applied: true, previousWaIdHash: existing?.wa_id_hash ?? null };
}

/** A contact staff linked to a patient; a repeat keeps the latest time. */
export async function addContactLink(
  db: Queryable,
  link: { tenantId: string; waIdHash: string; patientId: string; linkedAt: Date },
): Promise<void> {
  await db.query(
    `INSERT INTO messaging.patient_contact_links (tenant_id, wa_id_hash, patient_id, linked_at)
     VALUES ($1, $2, $3, $4)
     ON CONFLICT (tenant_id, wa_id_hash, patient_id) DO UPDATE
       SET linked_at = GREATEST(patient_contact_links.linked_at, $4)`,
    [link.tenantId, link.waIdHash, link.patientId, link.linkedAt],
  );
}

// The rule above as one expression ($1 tenant, $2 hash).
const RESOLVED_PATIENT = `COALESCE(
    (SELECT l.patient_id FROM messaging.patient_contact_links l
      WHERE l.tenant_id = $1 AND l.wa_id_hash = $2 ORDER BY l.linked_at DESC, l.patient_id DESC LIMIT 1),
    (SELECT CASE WHEN count(*) = 1 THEN min(n.patient_id::text)::uuid END FROM messaging.patient_numbers n
      WHERE n.tenant_id = $1 AND n.wa_id_hash = $2))`;

/** The patient a number belongs to by the rule above, or null. */
export async function resolvePatient(db: Queryable, tenantId: string, waIdHash: string): Promise<string | null> {
  const { rows } = await db.query(`SELECT ${RESOLVED_PATIENT} AS patient_id`, [tenantId, waIdHash]);
  return z.object({ patient_id: z.string().nullable() }).parse(rows[0]).patient_id;
}

export interface LinkChange {
  conversationId: string;
  patientId: string | null;
  previousPatientId: string | null;
}

/** Puts every conversation of the number on the patient the rule names; returns those that changed. */
export async function relinkConversations(db: Queryable, tenantId: string, waIdHash: string, now: Date): Promise<LinkChange[]> {
  const { rows } = await db.query(
    `WITH target AS (SELECT ${RESOLVED_PATIENT} AS patient_id),
          before AS (SELECT id, patient_id FROM messaging.conversations
                      WHERE tenant_id = $1 AND wa_id_hash = $2 FOR UPDATE)
     UPDATE messaging.conversations c SET patient_id = target.patient_id, updated_at = $3
       FROM target, before
      WHERE c.tenant_id = $1 AND c.id = before.id AND before.patient_id IS DISTINCT FROM target.patient_id
     RETURNING c.id, c.patient_id, before.patient_id AS previous_patient_id`,
    [tenantId, waIdHash, now],
  );
  return rows.map((row) => {
    const parsed = z
      .object({ id: z.string(), patient_id: z.string().nullable(), previous_patient_id: z.string().nullable() })
      .parse(row);
    return { conversationId: parsed.id, patientId: parsed.patient_id, previousPatientId: parsed.previous_patient_id };
  });
}

/** Sets one conversation's patient (a new conversation, the number's lock held). */
export async function setConversationPatient(db: Queryable, tenantId: string, conversationId: string, patientId: string): Promise<void> {
  await db.query(`UPDATE messaging.conversations SET patient_id = $3 WHERE tenant_id = $1 AND id = $2`, [
    tenantId,
    conversationId,
    patientId,
  ]);
}
