// Patients and contact links. Every function takes a client inside withTenant(pool, tenantId, …):
// row-level security scopes it, and the tenant id is also in every WHERE as a second guard.
import { type Queryable } from '@careline/db';
import { z } from 'zod';
import { bytes } from './rows';

const patientRow = z.object({
  id: z.string(),
  tenant_id: z.string(),
  identity_sealed: bytes,
  mrn_hash: z.string(),
  family_name_hash: z.string(),
  family_name_dob_hash: z.string(),
  wa_id_hash: z.string().nullable(),
  preferred_language: z.string(),
  created_at: z.date(),
  updated_at: z.date(),
});
export type PatientRow = z.infer<typeof patientRow>;

const COLUMNS = `id, tenant_id, identity_sealed, mrn_hash, family_name_hash, family_name_dob_hash, wa_id_hash,
  preferred_language, created_at, updated_at`;

export interface PatientWrite {
  id: string;
  tenantId: string;
  identitySealed: Uint8Array;
  mrnHash: string;
  familyNameHash: string;
  familyNameDobHash: string;
  waIdHash: string | null;
  preferredLanguage: string;
  actor: string;
  at: Date;
}

/** Inserts the patient; false when the tenant already has the MRN. */
export async function insertPatient(db: Queryable, p: PatientWrite): Promise<boolean> {
  const result = await db.query(
    `INSERT INTO records.patients
       (id, tenant_id, identity_sealed, mrn_hash, family_name_hash, family_name_dob_hash, wa_id_hash,
        preferred_language, created_by, created_at, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10)
     ON CONFLICT (tenant_id, mrn_hash) DO NOTHING`,
    [
      p.id,
      p.tenantId,
      p.identitySealed,
      p.mrnHash,
      p.familyNameHash,
      p.familyNameDobHash,
      p.waIdHash,
      p.preferredLanguage,
      p.actor,
      p.at,
    ],
  );
  return result.rowCount === 1;
}

/** Replaces the identifying fields; false when the MRN belongs to another patient. */
export async function updatePatient(db: Queryable, p: Omit<PatientWrite, 'actor'>): Promise<boolean> {
  const clash = await db.query(
    'SELECT 1 FROM records.patients WHERE tenant_id = $1 AND mrn_hash = $2 AND id <> $3',
    [p.tenantId, p.mrnHash, p.id],
  );
  if ((clash.rowCount ?? 0) > 0) return false;
  await db.query(
    `UPDATE records.patients SET identity_sealed = $3, mrn_hash = $4, family_name_hash = $5, family_name_dob_hash = $6,
       wa_id_hash = COALESCE($7, wa_id_hash), preferred_language = $8, updated_at = $9
     WHERE tenant_id = $1 AND id = $2`,
    [
      p.tenantId,
      p.id,
      p.identitySealed,
      p.mrnHash,
      p.familyNameHash,
      p.familyNameDobHash,
      p.waIdHash,
      p.preferredLanguage,
      p.at,
    ],
  );
  return true;
}

export async function getPatient(
  db: Queryable,
  tenantId: string,
  patientId: string,
  options: { lock?: boolean } = {},
): Promise<PatientRow | undefined> {
  const result = await db.query(
    `SELECT ${COLUMNS} FROM records.patients WHERE tenant_id = $1 AND id = $2${options.lock === true ? ' FOR UPDATE' : ''}`,
    [tenantId, patientId],
  );
  return result.rows[0] === undefined ? undefined : patientRow.parse(result.rows[0]);
}

export type PatientLookup =
  | { by: 'mrn_hash'; hash: string }
  | { by: 'wa_id_hash'; hash: string }
  | { by: 'family_name_hash'; hash: string }
  | { by: 'family_name_dob_hash'; hash: string };

export async function findPatients(
  db: Queryable,
  tenantId: string,
  lookup: PatientLookup,
  limit: number,
): Promise<PatientRow[]> {
  // the column name comes from the closed union above, never from a caller
  const result = await db.query(
    `SELECT ${COLUMNS} FROM records.patients WHERE tenant_id = $1 AND ${lookup.by} = $2 ORDER BY created_at, id LIMIT $3`,
    [tenantId, lookup.hash, limit],
  );
  return result.rows.map((row) => patientRow.parse(row));
}

export async function setPatientWaIdHash(
  db: Queryable,
  tenantId: string,
  patientId: string,
  waIdHash: string,
  at: Date,
): Promise<void> {
  await db.query(
    'UPDATE records.patients SET wa_id_hash = $3, updated_at = $4 WHERE tenant_id = $1 AND id = $2',
    [tenantId, patientId, waIdHash, at],
  );
}

export async function insertContactLink(
  db: Queryable,
  link: {
    id: string;
    tenantId: string;
    patientId: string;
    waIdHash: string;
    conversationId: string | null;
    actor: string;
    at: Date;
  },
): Promise<void> {
  await db.query(
    `INSERT INTO records.contact_links (id, tenant_id, patient_id, wa_id_hash, conversation_id, linked_by, linked_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7)`,
    [link.id, link.tenantId, link.patientId, link.waIdHash, link.conversationId, link.actor, link.at],
  );
}

/** The most recently linked conversation of the patient, if any. */
export async function latestLinkedConversation(
  db: Queryable,
  tenantId: string,
  patientId: string,
): Promise<string | undefined> {
  const result = await db.query(
    `SELECT conversation_id FROM records.contact_links
     WHERE tenant_id = $1 AND patient_id = $2 AND conversation_id IS NOT NULL
     ORDER BY linked_at DESC LIMIT 1`,
    [tenantId, patientId],
  );
  return z.object({ conversation_id: z.string() }).array().parse(result.rows)[0]?.conversation_id;
}
