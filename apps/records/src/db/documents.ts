// Document metadata (the encrypted contents are in the blob store, ./blobs.ts).
import { type Queryable } from '@careline/db';
import { z } from 'zod';
import { DOCUMENT_CONTENT_TYPES } from '../domain/sniff';
import { bytes, nullableBytes } from './rows';

const documentRow = z.object({
  id: z.string(),
  tenant_id: z.string(),
  patient_id: z.string(),
  title_sealed: bytes,
  file_name_sealed: nullableBytes,
  content_type: z.enum(DOCUMENT_CONTENT_TYPES),
  size_bytes: z.coerce.number(),
  sha256: z.string(),
  uploaded_by: z.string(),
  created_at: z.date(),
});
export type DocumentRow = z.infer<typeof documentRow>;

const COLUMNS =
  'id, tenant_id, patient_id, title_sealed, file_name_sealed, content_type, size_bytes, sha256, uploaded_by, created_at';

export interface NewDocument {
  id: string;
  tenantId: string;
  patientId: string;
  titleSealed: Uint8Array;
  fileNameSealed: Uint8Array | null;
  contentType: DocumentRow['content_type'];
  sizeBytes: number;
  sha256: string;
  idempotencyKey: string;
  uploadedBy: string;
  createdAt: Date;
}

/** Inserts the metadata; false when the patient already has a document with that idempotency key. */
export async function insertDocument(db: Queryable, d: NewDocument): Promise<boolean> {
  const result = await db.query(
    `INSERT INTO records.documents
       (id, tenant_id, patient_id, title_sealed, file_name_sealed, content_type, size_bytes, sha256, idempotency_key, uploaded_by, created_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
     ON CONFLICT (tenant_id, patient_id, idempotency_key) DO NOTHING`,
    [
      d.id,
      d.tenantId,
      d.patientId,
      d.titleSealed,
      d.fileNameSealed,
      d.contentType,
      d.sizeBytes,
      d.sha256,
      d.idempotencyKey,
      d.uploadedBy,
      d.createdAt,
    ],
  );
  return result.rowCount === 1;
}

export async function findDocumentByIdempotencyKey(
  db: Queryable,
  tenantId: string,
  patientId: string,
  key: string,
): Promise<DocumentRow | undefined> {
  const result = await db.query(
    `SELECT ${COLUMNS} FROM records.documents WHERE tenant_id = $1 AND patient_id = $2 AND idempotency_key = $3`,
    [tenantId, patientId, key],
  );
  return result.rows[0] === undefined ? undefined : documentRow.parse(result.rows[0]);
}

export async function getDocument(
  db: Queryable,
  tenantId: string,
  documentId: string,
): Promise<DocumentRow | undefined> {
  const result = await db.query(`SELECT ${COLUMNS} FROM records.documents WHERE tenant_id = $1 AND id = $2`, [
    tenantId,
    documentId,
  ]);
  return result.rows[0] === undefined ? undefined : documentRow.parse(result.rows[0]);
}

export interface DocumentCursor {
  createdAt: Date;
  id: string;
}

/** One page, newest first, after `cursor` when given. */
export async function listDocuments(
  db: Queryable,
  tenantId: string,
  patientId: string,
  limit: number,
  cursor: DocumentCursor | undefined,
): Promise<DocumentRow[]> {
  const result =
    cursor === undefined
      ? await db.query(
          `SELECT ${COLUMNS} FROM records.documents WHERE tenant_id = $1 AND patient_id = $2
           ORDER BY created_at DESC, id DESC LIMIT $3`,
          [tenantId, patientId, limit],
        )
      : await db.query(
          `SELECT ${COLUMNS} FROM records.documents WHERE tenant_id = $1 AND patient_id = $2
             AND (created_at, id) < ($4, $5::uuid)
           ORDER BY created_at DESC, id DESC LIMIT $3`,
          [tenantId, patientId, limit, cursor.createdAt, cursor.id],
        );
  return result.rows.map((row) => documentRow.parse(row));
}
