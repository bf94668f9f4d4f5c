// The blob store of encrypted document contents. An interface so that an object store (S3, GCS,
// Azure Blob) can replace Postgres for large volumes; this is the Postgres implementation, which
// keeps the content in the same transaction as its metadata. Stores and returns ciphertext only:
// sealing happens in the use-case, so no implementation ever sees plaintext.
import { type Queryable } from '@careline/db';
import { z } from 'zod';
import { bytes } from './rows';

export interface BlobStore {
  put(db: Queryable, tenantId: string, documentId: string, sealed: Uint8Array): Promise<void>;
  get(db: Queryable, tenantId: string, documentId: string): Promise<Uint8Array | undefined>;
}

export function createPostgresBlobStore(): BlobStore {
  return {
    async put(db, tenantId, documentId, sealed) {
      await db.query(
        'INSERT INTO records.document_blobs (document_id, tenant_id, content_sealed) VALUES ($1, $2, $3)',
        [documentId, tenantId, sealed],
      );
    },
    async get(db, tenantId, documentId) {
      const result = await db.query(
        'SELECT content_sealed FROM records.document_blobs WHERE tenant_id = $1 AND document_id = $2',
        [tenantId, documentId],
      );
      return z.object({ content_sealed: bytes }).array().parse(result.rows)[0]?.content_sealed;
    },
  };
}
