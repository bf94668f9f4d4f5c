// Patient data at rest. Every sealed column holds a serialized careline.common.v1.Sealed (the same
// envelope the events carry) from libs/crypto: a fresh AES-256-GCM data key per value, wrapped by
// the tenant's key-encryption key (the KeyProvider seam, where a KMS can replace local keys), with
// the tenant and a context naming the row and field bound as associated data. A document's
// content is one such value: its own data key, the tenant and the document id in its associated
// data, so a ciphertext moved to another document or tenant does not open.

export const atRestContext = {
  patientIdentity: (patientId: string): string => `records:patient:${patientId}:identity`,
  documentTitle: (documentId: string): string => `records:document:${documentId}:title`,
  documentFileName: (documentId: string): string => `records:document:${documentId}:file_name`,
  documentContent: (documentId: string): string => `records:document:${documentId}:content`,
} as const;

// the column format is libs/crypto's (one serialized Sealed per value), shared by every service
export { type AtRest, createAtRest } from '@careline/crypto';
