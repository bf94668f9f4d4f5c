// Patient data at rest. Every sealed column holds a serialized careline.common.v1.Sealed (the same
// envelope the events carry) from libs/crypto: a fresh AES-256-GCM data key per value, wrapped by
// the tenant's key-encryption key (the KeyProvider seam, where a KMS can replace local keys), with
// the tenant and a context naming the row and field bound as associated data. A document's
// content is one such value: its own data key, the tenant and the document id in its associated
// data, so a ciphertext moved to another document or tenant does not open.
import { Sealed } from '@careline/contracts';
import { type Sealer } from '@careline/crypto';

export const atRestContext = {
  patientIdentity: (patientId: string): string => `records:patient:${patientId}:identity`,
  documentTitle: (documentId: string): string => `records:document:${documentId}:title`,
  documentFileName: (documentId: string): string => `records:document:${documentId}:file_name`,
  documentContent: (documentId: string): string => `records:document:${documentId}:content`,
} as const;

export interface AtRest {
  seal(tenantId: string, plaintext: Uint8Array | string, context: string): Promise<Uint8Array>;
  open(tenantId: string, stored: Uint8Array, context: string): Promise<Uint8Array>;
  openString(tenantId: string, stored: Uint8Array, context: string): Promise<string>;
}

export function createAtRest(sealer: Sealer): AtRest {
  const open = async (tenantId: string, stored: Uint8Array, context: string): Promise<Uint8Array> =>
    sealer.open(tenantId, Sealed.decode(stored), context);
  return {
    async seal(tenantId, plaintext, context) {
      return Sealed.encode(await sealer.seal(tenantId, plaintext, context)).finish();
    },
    open,
    async openString(tenantId, stored, context) {
      return Buffer.from(await open(tenantId, stored, context)).toString('utf8');
    },
  };
}
