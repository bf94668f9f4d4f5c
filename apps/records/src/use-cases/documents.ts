// Documents: upload (type sniffed from the bytes, size-limited, SHA-256 of the plaintext kept),
// stored encrypted (a data key per document under the tenant's key-encryption key, the tenant and
// document id bound as associated data), listed (metadata only) and read by staff (decrypted, the
// hash checked, audited).
import { createHash, randomUUID } from 'node:crypto';
import {
  type GetDocumentRequest,
  type GetDocumentResponse,
  type ListDocumentsRequest,
  type ListDocumentsResponse,
  type UploadDocumentRequest,
  type UploadDocumentResponse,
} from '@careline/contracts';
import { DecryptionError } from '@careline/crypto';
import { type Queryable, isUuid, withTenant } from '@careline/db';
import { z } from 'zod';
import {
  type DocumentCursor,
  type DocumentRow,
  findDocumentByIdempotencyKey,
  getDocument,
  insertDocument,
  listDocuments,
} from '../db/documents';
import { getPatient } from '../db/patients';
import {
  documentIntegrityFailed,
  documentNotFound,
  documentTooLarge,
  idempotencyKeyRequired,
  invalidPageToken,
  invalidRequest,
  patientNotFound,
  unsupportedContentType,
} from '../domain/errors';
import { atRestContext } from '../domain/sealing';
import { sniffContentType } from '../domain/sniff';
import { AUDIT_ACTIONS, recordAudit } from './audit';
import { type Authorize } from './authorize';
import { type TenantCaller } from './caller';
import { type UseCaseDeps } from './deps';
import { actorOf } from './patients';
import { documentView } from './views';

const DEFAULT_PAGE = 50;
const MAX_PAGE = 200;
const MAX_KEY = 200;

export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

const cursorSchema = z.object({ c: z.iso.datetime(), i: z.uuid() });

function encodeCursor(row: DocumentRow): string {
  return Buffer.from(JSON.stringify({ c: row.created_at.toISOString(), i: row.id })).toString('base64url');
}

function decodeCursor(token: string): DocumentCursor | undefined {
  if (token === '') return undefined;
  try {
    const parsed = cursorSchema.parse(JSON.parse(Buffer.from(token, 'base64url').toString('utf8')));
    return { createdAt: new Date(parsed.c), id: parsed.i };
  } catch {
    throw invalidPageToken();
  }
}

/**
 * Opens a document's content and checks it against its hash. A ciphertext that does not open
 * (tampered, or moved from another document or tenant) and a plaintext that does not match its
 * hash are both integrity failures: never served.
 */
export async function openDocumentContent(
  deps: Pick<UseCaseDeps, 'atRest' | 'blobs'>,
  db: Queryable,
  row: DocumentRow,
): Promise<Uint8Array> {
  const sealed = await deps.blobs.get(db, row.tenant_id, row.id);
  if (sealed === undefined) throw documentIntegrityFailed(row.id);
  let content: Uint8Array;
  try {
    content = await deps.atRest.open(row.tenant_id, sealed, atRestContext.documentContent(row.id));
  } catch (error) {
    if (error instanceof DecryptionError) throw documentIntegrityFailed(row.id);
    throw error;
  }
  if (content.length !== row.size_bytes || sha256Hex(content) !== row.sha256)
    throw documentIntegrityFailed(row.id);
  return content;
}

export function createDocumentUseCases(deps: UseCaseDeps, authorize: Authorize) {
  const { atRest, clock } = deps;

  async function uploadDocument(
    caller: TenantCaller,
    request: UploadDocumentRequest,
  ): Promise<UploadDocumentResponse> {
    await authorize(caller, 'documents:share', AUDIT_ACTIONS.uploadDocument, { type: 'document', id: '' });
    const key = request.idempotencyKey;
    if (key === '' || key.length > MAX_KEY) throw idempotencyKeyRequired();
    const title = request.title.trim();
    if (title.length < 1 || title.length > 200) throw invalidRequest('title', 'must be 1 to 200 characters');
    const fileName = request.fileName.trim();
    if (fileName.length > 255) throw invalidRequest('file_name', 'must be at most 255 characters');
    const content = request.content;
    if (content.length > deps.documentMaxBytes) throw documentTooLarge(deps.documentMaxBytes);
    // the declared type is the uploader's claim; only the bytes decide
    const contentType = sniffContentType(content);
    if (contentType === undefined) throw unsupportedContentType();
    if (!isUuid(request.patientId)) throw patientNotFound();
    const { tenantId } = caller;
    const now = clock();
    const id = randomUUID();
    const row = await withTenant(deps.pool, tenantId, async (client) => {
      const patient = await getPatient(client, tenantId, request.patientId, { lock: true });
      if (patient === undefined) return undefined;
      const repeated = await findDocumentByIdempotencyKey(client, tenantId, patient.id, key);
      if (repeated !== undefined) return repeated;
      await insertDocument(client, {
        id,
        tenantId,
        patientId: patient.id,
        titleSealed: await atRest.seal(tenantId, title, atRestContext.documentTitle(id)),
        fileNameSealed:
          fileName === '' ? null : await atRest.seal(tenantId, fileName, atRestContext.documentFileName(id)),
        contentType,
        sizeBytes: content.length,
        sha256: sha256Hex(content),
        idempotencyKey: key,
        uploadedBy: caller.actor,
        createdAt: now,
      });
      await deps.blobs.put(
        client,
        tenantId,
        id,
        await atRest.seal(tenantId, content, atRestContext.documentContent(id)),
      );
      await recordAudit(client, {
        tenantId,
        actor: actorOf(caller),
        action: AUDIT_ACTIONS.uploadDocument,
        resource: { type: 'document', id },
        patientId: patient.id,
        outcome: 'success',
        detail: { content_type: contentType, size_bytes: String(content.length) },
        at: now,
      });
      return getDocument(client, tenantId, id);
    });
    if (row === undefined) throw patientNotFound();
    deps.logger.info(
      { tenant_id: tenantId, document_id: row.id, patient_id: row.patient_id },
      'document stored',
    );
    return { document: await documentView(atRest, row) };
  }

  async function listDocumentsCall(
    caller: TenantCaller,
    request: ListDocumentsRequest,
  ): Promise<ListDocumentsResponse> {
    await authorize(caller, 'documents:read', AUDIT_ACTIONS.listDocuments, {
      type: 'patient',
      id: request.patientId,
    });
    const cursor = decodeCursor(request.pageToken);
    if (request.pageSize < 0) throw invalidRequest('page_size', 'must not be negative');
    const limit = request.pageSize === 0 ? DEFAULT_PAGE : Math.min(request.pageSize, MAX_PAGE);
    if (!isUuid(request.patientId)) throw patientNotFound();
    const { tenantId } = caller;
    const rows = await withTenant(deps.pool, tenantId, async (client) => {
      const patient = await getPatient(client, tenantId, request.patientId);
      if (patient === undefined) return undefined;
      const page = await listDocuments(client, tenantId, patient.id, limit + 1, cursor);
      await recordAudit(client, {
        tenantId,
        actor: actorOf(caller),
        action: AUDIT_ACTIONS.listDocuments,
        resource: { type: 'patient', id: patient.id },
        patientId: patient.id,
        outcome: 'success',
        detail: { count: String(Math.min(page.length, limit)) },
        at: clock(),
      });
      return page;
    });
    if (rows === undefined) throw patientNotFound();
    const page = rows.slice(0, limit);
    const last = page.at(-1);
    return {
      documents: await Promise.all(page.map((row) => documentView(atRest, row))),
      nextPageToken: rows.length > limit && last !== undefined ? encodeCursor(last) : '',
    };
  }

  async function getDocumentCall(
    caller: TenantCaller,
    request: GetDocumentRequest,
  ): Promise<GetDocumentResponse> {
    await authorize(caller, 'documents:read', AUDIT_ACTIONS.readDocument, {
      type: 'document',
      id: request.documentId,
    });
    if (!isUuid(request.documentId)) throw documentNotFound();
    const { tenantId } = caller;
    const found = await withTenant(deps.pool, tenantId, async (client) => {
      const row = await getDocument(client, tenantId, request.documentId);
      if (row === undefined) return undefined;
      const content = await openDocumentContent(deps, client, row);
      await recordAudit(client, {
        tenantId,
        actor: actorOf(caller),
        action: AUDIT_ACTIONS.readDocument,
        resource: { type: 'document', id: row.id },
        patientId: row.patient_id,
        outcome: 'success',
        at: clock(),
      });
      return { row, content };
    });
    if (found === undefined) throw documentNotFound();
    return { document: await documentView(atRest, found.row), content: found.content };
  }

  /** A document's metadata without its content (e.g. for a FHIR DiagnosticReport), audited as a read. */
  async function describeDocument(caller: TenantCaller, documentId: string): Promise<GetDocumentResponse['document']> {
    await authorize(caller, 'documents:read', AUDIT_ACTIONS.readDocumentMetadata, { type: 'document', id: documentId });
    if (!isUuid(documentId)) throw documentNotFound();
    const { tenantId } = caller;
    const row = await withTenant(deps.pool, tenantId, async (client) => {
      const found = await getDocument(client, tenantId, documentId);
      await recordAudit(client, {
        tenantId,
        actor: actorOf(caller),
        action: AUDIT_ACTIONS.readDocumentMetadata,
        resource: { type: 'document', id: documentId },
        ...(found === undefined ? { outcome: 'failure' as const, detail: { reason: 'document_not_found' } } : { patientId: found.patient_id, outcome: 'success' as const }),
        at: clock(),
      });
      return found;
    });
    if (row === undefined) throw documentNotFound();
    return documentView(atRest, row);
  }

  return { uploadDocument, listDocuments: listDocumentsCall, getDocument: getDocumentCall, describeDocument };
}
