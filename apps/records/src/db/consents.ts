// Consent decisions: appended, never updated (the history is the record).
import { type Queryable } from '@careline/db';
import { z } from 'zod';

export const CONSENT_KINDS = ['messaging', 'result_release_whatsapp'] as const;
export const CONSENT_SOURCES = ['whatsapp', 'staff', 'paper_form', 'ehr_import'] as const;

const consentRow = z.object({
  id: z.string(),
  patient_id: z.string(),
  kind: z.enum(CONSENT_KINDS),
  granted: z.boolean(),
  source: z.enum(CONSENT_SOURCES),
  recorded_by: z.string(),
  recorded_at: z.date(),
});
export type ConsentRow = z.infer<typeof consentRow>;

export async function insertConsent(db: Queryable, tenantId: string, row: ConsentRow): Promise<void> {
  await db.query(
    `INSERT INTO records.consents (id, tenant_id, patient_id, kind, granted, source, recorded_by, recorded_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
    [row.id, tenantId, row.patient_id, row.kind, row.granted, row.source, row.recorded_by, row.recorded_at],
  );
}

/** Every decision of the patient, newest first. */
export async function listConsents(
  db: Queryable,
  tenantId: string,
  patientId: string,
): Promise<ConsentRow[]> {
  const result = await db.query(
    `SELECT id, patient_id, kind, granted, source, recorded_by, recorded_at FROM records.consents
     WHERE tenant_id = $1 AND patient_id = $2 ORDER BY seq DESC`,
    [tenantId, patientId],
  );
  return result.rows.map((row) => consentRow.parse(row));
}
