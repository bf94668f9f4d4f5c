// Documents and their release to patients over REST (RecordsService). The upload is multipart:
// the file is read part by part up to the configured limit (nothing beyond it is buffered) and
// handed to records, which sniffs the type from the bytes (the declared type is ignored) and
// stores it encrypted. Downloads are never rendered inline and never cached.
import type { FastifyRequest } from 'fastify';
import { invalidArgument, isDomainError } from '@careline/runtime';
import { z } from 'zod';
import type { Router } from '../http/router';
import { pageQuerySchema } from '../schemas/common';
import {
  documentPageSchema,
  documentParamsSchema,
  documentSchema,
  documentUploadSchema,
  idempotencyHeadersSchema,
  patientParamsSchema,
  shareCreateSchema,
  shareListSchema,
  shareParamsSchema,
  shareSchema,
  uploadFieldsSchema,
} from '../schemas/records';
import { type DocumentUpload, type RecordsUseCases, idempotencyKeyOf } from '../use-cases/records';
import { PATIENT_NOT_FOUND } from './patients';

const DOCUMENT_NOT_FOUND = {
  status: 404,
  description: "`document_not_found`: no such document in the caller's tenant (another tenant's id answers the same).",
};

export interface DocumentRouteOptions {
  /** Largest accepted file (records enforces its own limit too). */
  maxDocumentBytes: number;
}

/** A framework-style error: runtime's problem mapper gives it the status and its stable code. */
function httpError(statusCode: number, message: string): Error {
  return Object.assign(new Error(message), { statusCode });
}

function tooLarge(maxBytes: number): Error {
  return httpError(413, `The file is larger than ${maxBytes} bytes.`);
}

/**
 * Reads the multipart body: one `file` part (collected up to `maxBytes`, then refused) and a
 * `title` field. Unknown parts are refused rather than ignored, like unknown JSON fields.
 */
export async function readUpload(request: FastifyRequest, maxBytes: number): Promise<Omit<DocumentUpload, 'idempotencyKey'>> {
  if (!request.isMultipart()) throw httpError(415, 'Send the document as multipart/form-data.');
  let file: { content: Buffer; fileName: string; declaredContentType: string } | undefined;
  const fields: Record<string, unknown> = {};
  const errors: { path: string; message: string }[] = [];
  try {
    for await (const part of request.parts({ limits: { fileSize: maxBytes, files: 1, fields: 4, fieldSize: 1024, parts: 5 } })) {
      if (part.type === 'file') {
        if (part.fieldname !== 'file') {
          part.file.resume();
          errors.push({ path: `body/${part.fieldname.slice(0, 40)}`, message: 'is not a known part' });
          continue;
        }
        const chunks: Buffer[] = [];
        let size = 0;
        for await (const chunk of part.file as AsyncIterable<Buffer>) {
          size += chunk.length;
          chunks.push(chunk);
        }
        // busboy stops at the limit and marks the stream truncated (the plugin may also throw)
        if (part.file.truncated || size > maxBytes) throw tooLarge(maxBytes);
        file = { content: Buffer.concat(chunks, size), fileName: part.filename.slice(0, 255), declaredContentType: part.mimetype };
      } else if (part.fieldname === 'title') {
        fields['title'] = part.value;
      } else {
        errors.push({ path: `body/${part.fieldname.slice(0, 40)}`, message: 'is not a known field' });
      }
    }
  } catch (error) {
    // Our own refusals and the plugin's limits carry a status; anything else is the multipart
    // parser failing on the bytes (a body that ends early, a broken header): the client's fault.
    if (isDomainError(error) || (error instanceof Error && 'statusCode' in error)) throw error;
    throw invalidArgument('malformed_multipart', 'The multipart body is malformed or ends early.');
  }
  const parsed = uploadFieldsSchema.safeParse(fields);
  if (!parsed.success) {
    errors.push(...parsed.error.issues.map((issue) => ({ path: ['body', ...issue.path.map(String)].join('/'), message: issue.message })));
  }
  if (file === undefined) errors.push({ path: 'body/file', message: 'is required' });
  else if (file.content.length === 0) errors.push({ path: 'body/file', message: 'must not be empty' });
  if (errors.length > 0 || file === undefined || !parsed.success) {
    throw invalidArgument('invalid_request', 'The request is not valid.', { details: { errors } });
  }
  return { title: parsed.data.title, ...file };
}

export function registerRecordRoutes(router: Router, records: RecordsUseCases, options: DocumentRouteOptions): void {
  router.route({
    method: 'POST',
    path: '/v1/patients/{id}/documents',
    operationId: 'uploadDocument',
    summary: "Upload a document to a patient's record",
    description: `multipart/form-data with a \`file\` part (PDF, PNG, JPEG or WebP, at most ${options.maxDocumentBytes} bytes) and a \`title\` field. The type is sniffed from the bytes; the declared type and the file name's extension are ignored. Stored encrypted; audited (\`document.uploaded\`). Repeating a request with the same \`Idempotency-Key\` returns the first document.`,
    tags: ['documents'],
    access: { permission: 'documents:share' },
    upstream: true,
    params: patientParamsSchema,
    headers: idempotencyHeadersSchema,
    body: documentUploadSchema,
    bodyContentType: 'multipart/form-data',
    problems: [
      PATIENT_NOT_FOUND,
      {
        status: 400,
        description:
          '`unsupported_content_type`: the bytes are not a PDF, PNG, JPEG or WebP (whatever the declared type). `malformed_multipart`: the multipart body is malformed or ends early.',
      },
      { status: 413, description: '`payload_too_large`: the file is larger than the limit.' },
      { status: 415, description: '`unsupported_media_type`: the body is not multipart/form-data.' },
    ],
    response: { status: 201, description: 'The stored document (metadata).', schema: documentSchema },
    handler: async ({ principal, params, headers, request }) => {
      const upload = await readUpload(request, options.maxDocumentBytes);
      return records.uploadDocument(principal, params.id, { ...upload, idempotencyKey: headers['idempotency-key'] });
    },
  });

  router.route({
    method: 'GET',
    path: '/v1/patients/{id}/documents',
    operationId: 'listDocuments',
    summary: "List a patient's documents",
    description: 'Metadata only, newest first. Audited (`document.listed`).',
    tags: ['documents'],
    access: { permission: 'documents:read' },
    upstream: true,
    params: patientParamsSchema,
    query: pageQuerySchema,
    problems: [PATIENT_NOT_FOUND],
    response: { status: 200, description: 'A page of documents.', schema: documentPageSchema },
    handler: ({ principal, params, query }) => records.listDocuments(principal, params.id, query),
  });

  router.route({
    method: 'GET',
    path: '/v1/documents/{id}/content',
    operationId: 'downloadDocument',
    summary: 'Download a document',
    description:
      'The decrypted content (its SHA-256 checked first). Always a download (`Content-Disposition: attachment`), never cached. Audited by records (`document.downloaded_by_staff`).',
    tags: ['documents'],
    access: { permission: 'documents:read' },
    upstream: true,
    params: documentParamsSchema,
    problems: [DOCUMENT_NOT_FOUND, { status: 500, description: '`document_integrity_failed`: the stored content does not match its hash; nothing is served.' }],
    response: {
      status: 200,
      description: 'The document bytes (`Content-Type` as sniffed at upload).',
      schema: z.instanceof(Buffer),
      contentType: 'application/octet-stream',
    },
    handler: async ({ principal, params, reply }) => {
      const document = await records.documentContent(principal, params.id);
      void reply.header('content-type', document.contentType);
      void reply.header('content-disposition', document.disposition);
      void reply.header('cache-control', 'no-store');
      void reply.header('x-content-type-options', 'nosniff');
      return document.content;
    },
  });

  router.route({
    method: 'POST',
    path: '/v1/documents/{id}/shares',
    operationId: 'shareDocument',
    summary: 'Release a document to its patient',
    description:
      'Creates a short-lived, single-purpose link and sends the patient a "result ready" WhatsApp template (no clinical content). The patient proves who they are (date of birth, then a one-time code over WhatsApp) on the release page before seeing the document. Follow `GET /v1/documents/{id}/shares` for the status. Audited (`record.shared`).',
    tags: ['documents'],
    access: { permission: 'documents:share' },
    upstream: true,
    params: documentParamsSchema,
    headers: idempotencyHeadersSchema,
    body: shareCreateSchema,
    problems: [
      DOCUMENT_NOT_FOUND,
      { status: 400, description: '`idempotency_key_mismatch`: the header and `idempotencyKey` differ.' },
      {
        status: 409,
        description:
          '`patient_not_reachable`: the patient has no WhatsApp number or linked contact. `no_messaging_consent`: the patient withdrew messaging consent.',
      },
    ],
    response: { status: 201, description: 'The share (the link itself goes only to the patient).', schema: shareSchema },
    handler: ({ principal, params, headers, body }) =>
      records.shareDocument(principal, params.id, {
        expiresInMinutes: body.expiresInMinutes,
        idempotencyKey: idempotencyKeyOf(headers['idempotency-key'], body.idempotencyKey),
      }),
  });

  router.route({
    method: 'GET',
    path: '/v1/documents/{id}/shares',
    operationId: 'listDocumentShares',
    summary: "A document's shares and their status",
    description: 'Newest first, each with its status (`sent` → `opened` → `verified` → `downloaded`, or `revoked`, `expired`, `locked`, `notice_failed`). Audited (`share.listed`).',
    tags: ['documents'],
    access: { permission: 'documents:read' },
    upstream: true,
    params: documentParamsSchema,
    problems: [DOCUMENT_NOT_FOUND],
    response: { status: 200, description: 'The shares.', schema: shareListSchema },
    handler: ({ principal, params }) => records.listShares(principal, params.id),
  });

  router.route({
    method: 'POST',
    path: '/v1/shares/{id}/revoke',
    operationId: 'revokeShare',
    summary: 'Revoke a share',
    description: 'Its link stops working at once; revoking twice is not an error. Audited (`share.revoked`).',
    tags: ['documents'],
    access: { permission: 'documents:share' },
    upstream: true,
    params: shareParamsSchema,
    problems: [{ status: 404, description: "`share_not_found`: no such share in the caller's tenant." }],
    response: { status: 200, description: 'The share after revocation.', schema: shareSchema },
    handler: ({ principal, params }) => records.revokeShare(principal, params.id),
  });
}
