// Patients, consent, documents and shares as the REST api shows them, and how they are made from
// RecordsService's messages. Responses carry patient data (names, dates of birth, numbers): never
// log them. Request bodies are strict: an unknown field (a `tenantId` above all) is a 400.
import {
  type Consent,
  ConsentKind,
  ConsentSource,
  type Document,
  type Patient,
  type Share,
  ShareStatus,
} from '@careline/contracts';
import { z } from 'zod';
import { dateTime, isoOrNull, nullIfEmpty, pageOf, resourceId } from './common';

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const date = () => z.string().regex(DATE, { message: 'must be a date YYYY-MM-DD' }).meta({ examples: ['1980-02-29'] });
const waId = () =>
  z.string().regex(/^\d{8,15}$/, { message: 'must be 8 to 15 digits (country code first, no "+")' });
const language = () =>
  z.string().regex(/^[A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{2,8})*$/, { message: 'must be a BCP 47 language tag' });
const text = (max: number) =>
  z
    .string()
    .max(max)
    .refine((value) => value.trim().length > 0, { message: 'must not be blank' });

export const idempotencyKey = () =>
  z
    .string()
    .min(1)
    .max(128)
    .regex(/^[\x21-\x7e]+$/, { message: 'must be 1-128 visible ASCII characters' });

export const idempotencyHeadersSchema = z.object({
  'idempotency-key': idempotencyKey()
    .optional()
    .meta({ description: 'Chosen by the client per intended request and reused on retries, so a retry never creates twice.' }),
});

// ---------------------------------------------------------------- patients

export const patientSchema = z
  .object({
    id: z.string(),
    mrn: z.string().meta({ description: "The hospital's medical record number." }),
    givenName: z.string(),
    familyName: z.string(),
    dateOfBirth: z.string().meta({ description: '`YYYY-MM-DD`.' }),
    waId: z.string().nullable().meta({ description: 'WhatsApp number, digits with country code; null if unknown.' }),
    waIdHash: z
      .string()
      .nullable()
      .meta({ description: "Keyed hash of the WhatsApp number (or of a linked contact's), as on the event topics." }),
    preferredLanguage: z.string().nullable().meta({ description: "BCP 47; null: the hospital's default." }),
    createdAt: dateTime(),
    updatedAt: dateTime(),
  })
  .meta({ id: 'Patient', description: 'A patient of the hospital (identifying fields are stored encrypted).' });
export type PatientView = z.output<typeof patientSchema>;

export function toPatientView(patient: Patient): PatientView {
  return {
    id: patient.id,
    mrn: patient.mrn,
    givenName: patient.givenName,
    familyName: patient.familyName,
    dateOfBirth: patient.dateOfBirth,
    waId: nullIfEmpty(patient.waId),
    waIdHash: nullIfEmpty(patient.waIdHash),
    preferredLanguage: nullIfEmpty(patient.preferredLanguage),
    createdAt: (patient.createdAt ?? new Date(0)).toISOString(),
    updatedAt: (patient.updatedAt ?? patient.createdAt ?? new Date(0)).toISOString(),
  };
}

export const patientCreateSchema = z
  .strictObject({
    mrn: text(64).meta({ description: 'Medical record number, unique in the hospital (1-64 characters).' }),
    givenName: text(200),
    familyName: text(200),
    dateOfBirth: date().meta({ description: 'Not in the future.' }),
    waId: waId().optional().meta({ description: 'WhatsApp number, digits with country code (no "+").' }),
    preferredLanguage: language().optional(),
  })
  .meta({ id: 'PatientCreate' });

export const patientPatchSchema = z
  .strictObject({
    mrn: text(64).optional(),
    givenName: text(200).optional(),
    familyName: text(200).optional(),
    dateOfBirth: date().optional(),
    waId: waId().nullable().optional().meta({ description: 'null removes the number.' }),
    preferredLanguage: language().nullable().optional().meta({ description: "null: the hospital's default." }),
  })
  .meta({ id: 'PatientPatch', description: 'Only the fields given change.' });

export const patientSearchQuerySchema = z
  .object({
    mrn: z.string().min(1).max(64).optional().meta({ description: 'Exact medical record number.' }),
    waId: waId().optional().meta({ description: 'Exact WhatsApp number (digits).' }),
    familyName: z
      .string()
      .min(1)
      .max(200)
      .optional()
      .meta({ description: 'Exact family name (case, accents, spaces and hyphens ignored); never a substring.' }),
    birthDate: date().optional().meta({ description: 'With `familyName` only: narrows to this date of birth.' }),
    givenNamePrefix: z.string().min(1).max(200).optional().meta({ description: 'With `familyName` only.' }),
    limit: z.coerce.number().int().min(1).max(200).default(50).meta({ description: 'At most this many (1-200, default 50).' }),
  })
  .superRefine((query, ctx) => {
    const ways = [query.mrn, query.waId, query.familyName].filter((value) => value !== undefined).length;
    if (ways !== 1) {
      ctx.addIssue({ code: 'custom', path: [], message: 'give exactly one of mrn, waId or familyName' });
    }
    if (query.familyName === undefined && (query.birthDate !== undefined || query.givenNamePrefix !== undefined)) {
      ctx.addIssue({ code: 'custom', path: ['familyName'], message: 'is required with birthDate or givenNamePrefix' });
    }
  });

export const patientListSchema = z
  .object({ items: z.array(patientSchema) })
  .meta({ id: 'PatientList', description: 'The patients found (exact matches only).' });

export const patientParamsSchema = z.object({ id: resourceId().meta({ description: 'The patient id.' }) });

export const linkContactSchema = z
  .strictObject({
    waIdHash: z
      .string()
      .regex(/^[0-9a-f]{64}$/, { message: 'must be 64 lowercase hex characters' })
      .meta({ description: "The contact's keyed WhatsApp-number hash (a conversation's patient hash)." }),
    conversationId: resourceId().optional().meta({ description: "The contact's conversation, used to reach a patient with no number." }),
  })
  .meta({ id: 'LinkContact' });

// ---------------------------------------------------------------- consents

const CONSENT_KINDS = ['messaging', 'result_release_whatsapp'] as const;
const CONSENT_SOURCES = ['whatsapp', 'staff', 'paper_form', 'ehr_import'] as const;

const KIND_TO_PROTO: Record<(typeof CONSENT_KINDS)[number], ConsentKind> = {
  messaging: ConsentKind.CONSENT_KIND_MESSAGING,
  result_release_whatsapp: ConsentKind.CONSENT_KIND_RESULT_RELEASE_WHATSAPP,
};
const SOURCE_TO_PROTO: Record<(typeof CONSENT_SOURCES)[number], ConsentSource> = {
  whatsapp: ConsentSource.CONSENT_SOURCE_WHATSAPP,
  staff: ConsentSource.CONSENT_SOURCE_STAFF,
  paper_form: ConsentSource.CONSENT_SOURCE_PAPER_FORM,
  ehr_import: ConsentSource.CONSENT_SOURCE_EHR_IMPORT,
};
export const consentKindToProto = (kind: (typeof CONSENT_KINDS)[number]) => KIND_TO_PROTO[kind];
export const consentSourceToProto = (source: (typeof CONSENT_SOURCES)[number]) => SOURCE_TO_PROTO[source];

function kindOf(kind: ConsentKind): (typeof CONSENT_KINDS)[number] | 'unspecified' {
  return (Object.entries(KIND_TO_PROTO).find(([, value]) => value === kind)?.[0] as (typeof CONSENT_KINDS)[number] | undefined) ?? 'unspecified';
}
function sourceOf(source: ConsentSource): (typeof CONSENT_SOURCES)[number] | 'unspecified' {
  return (Object.entries(SOURCE_TO_PROTO).find(([, value]) => value === source)?.[0] as (typeof CONSENT_SOURCES)[number] | undefined) ?? 'unspecified';
}

export const consentSchema = z
  .object({
    id: z.string(),
    patientId: z.string(),
    kind: z.enum([...CONSENT_KINDS, 'unspecified']),
    granted: z.boolean(),
    source: z.enum([...CONSENT_SOURCES, 'unspecified']),
    recordedBy: z.string(),
    recordedAt: dateTime(),
  })
  .meta({ id: 'PatientConsent', description: 'One recorded consent decision.' });

export function toConsentView(consent: Consent): z.output<typeof consentSchema> {
  return {
    id: consent.id,
    patientId: consent.patientId,
    kind: kindOf(consent.kind),
    granted: consent.granted,
    source: sourceOf(consent.source),
    recordedBy: consent.recordedBy,
    recordedAt: (consent.recordedAt ?? new Date(0)).toISOString(),
  };
}

export const consentListSchema = z
  .object({
    history: z.array(consentSchema).meta({ description: 'Every decision, newest first.' }),
    current: z.array(consentSchema).meta({ description: 'The latest decision per kind (kinds never decided are absent).' }),
  })
  .meta({ id: 'PatientConsents' });

export const consentCreateSchema = z
  .strictObject({
    kind: z.enum(CONSENT_KINDS).meta({
      description: '`messaging`: WhatsApp messages from the hospital; `result_release_whatsapp`: documents themselves over WhatsApp after verification.',
    }),
    granted: z.boolean(),
    source: z.enum(CONSENT_SOURCES),
  })
  .meta({ id: 'PatientConsentCreate' });

// ---------------------------------------------------------------- documents

export const documentSchema = z
  .object({
    id: z.string(),
    patientId: z.string(),
    title: z.string(),
    fileName: z.string().nullable(),
    contentType: z.string().meta({ description: 'Sniffed from the bytes: application/pdf, image/png, image/jpeg or image/webp.' }),
    sizeBytes: z.number().int().min(0),
    sha256: z.string().meta({ description: 'SHA-256 of the content, lowercase hex (checked on every read).' }),
    uploadedBy: z.string(),
    createdAt: dateTime(),
  })
  .meta({ id: 'PatientDocument', description: "A document of a patient's record (stored encrypted)." });

export function toDocumentView(document: Document): z.output<typeof documentSchema> {
  return {
    id: document.id,
    patientId: document.patientId,
    title: document.title,
    fileName: nullIfEmpty(document.fileName),
    contentType: document.contentType,
    sizeBytes: document.sizeBytes,
    sha256: document.sha256,
    uploadedBy: document.uploadedBy,
    createdAt: (document.createdAt ?? new Date(0)).toISOString(),
  };
}

export const documentPageSchema = pageOf(documentSchema, 'PatientDocumentPage', 'Documents, newest first.');

/** Documents the multipart upload (the handler reads the parts itself, streamed and bounded). */
export const documentUploadSchema = z
  .object({
    file: z.string().meta({ format: 'binary', description: 'The document: PDF, PNG, JPEG or WebP (the type is sniffed from the bytes).' }),
    title: z.string().min(1).max(200).meta({ description: 'A title for staff (1-200 characters); shown to the patient only after verification.' }),
  })
  .meta({ id: 'PatientDocumentUpload' });

export const uploadFieldsSchema = z.object({ title: text(200) });

export const documentParamsSchema = z.object({ id: resourceId().meta({ description: 'The document id.' }) });

// ---------------------------------------------------------------- shares

const SHARE_STATUSES = ['sent', 'opened', 'verified', 'downloaded', 'revoked', 'expired', 'locked', 'notice_failed', 'unspecified'] as const;

const STATUS_OF: Record<ShareStatus, (typeof SHARE_STATUSES)[number]> = {
  [ShareStatus.SHARE_STATUS_SENT]: 'sent',
  [ShareStatus.SHARE_STATUS_OPENED]: 'opened',
  [ShareStatus.SHARE_STATUS_VERIFIED]: 'verified',
  [ShareStatus.SHARE_STATUS_DOWNLOADED]: 'downloaded',
  [ShareStatus.SHARE_STATUS_REVOKED]: 'revoked',
  [ShareStatus.SHARE_STATUS_EXPIRED]: 'expired',
  [ShareStatus.SHARE_STATUS_LOCKED]: 'locked',
  [ShareStatus.SHARE_STATUS_NOTICE_FAILED]: 'notice_failed',
  [ShareStatus.SHARE_STATUS_UNSPECIFIED]: 'unspecified',
  [ShareStatus.UNRECOGNIZED]: 'unspecified',
};

export const shareSchema = z
  .object({
    id: z.string(),
    documentId: z.string(),
    patientId: z.string(),
    status: z.enum(SHARE_STATUSES).meta({
      description:
        'The latest step reached: `sent` (notice queued) → `opened` (link opened) → `verified` (identity checked) → `downloaded`; or `revoked`, `expired`, `locked` (too many failed checks), `notice_failed` (share again).',
    }),
    sharedBy: z.string(),
    createdAt: dateTime(),
    expiresAt: dateTime().nullable(),
    openedAt: dateTime().nullable(),
    verifiedAt: dateTime().nullable(),
    downloadedAt: dateTime().nullable(),
    revokedAt: dateTime().nullable(),
    failedAttempts: z.number().int().min(0),
    noticeMessageId: z.string().nullable().meta({ description: 'The messaging message id of the "result ready" notice.' }),
  })
  .meta({ id: 'DocumentShare', description: 'One release of a document to its patient. The link itself is sent only to the patient.' });

export function toShareView(share: Share): z.output<typeof shareSchema> {
  return {
    id: share.id,
    documentId: share.documentId,
    patientId: share.patientId,
    status: STATUS_OF[share.status],
    sharedBy: share.sharedBy,
    createdAt: (share.createdAt ?? new Date(0)).toISOString(),
    expiresAt: isoOrNull(share.expiresAt),
    openedAt: isoOrNull(share.openedAt),
    verifiedAt: isoOrNull(share.verifiedAt),
    downloadedAt: isoOrNull(share.downloadedAt),
    revokedAt: isoOrNull(share.revokedAt),
    failedAttempts: share.failedAttempts,
    noticeMessageId: nullIfEmpty(share.noticeMessageId),
  };
}

export const shareListSchema = z.object({ items: z.array(shareSchema) }).meta({ id: 'DocumentShareList', description: 'Shares, newest first.' });

export const shareCreateSchema = z
  .strictObject({
    expiresInMinutes: z
      .number()
      .int()
      .min(1)
      .max(14 * 24 * 60)
      .optional()
      .meta({ description: 'How long the link works (1 minute to 14 days; default: the service default, 72 hours).' }),
    idempotencyKey: idempotencyKey().optional().meta({ description: 'Or the `Idempotency-Key` header (equal if both given).' }),
  })
  .meta({ id: 'DocumentShareCreate' });

export const shareParamsSchema = z.object({ id: resourceId().meta({ description: 'The share id.' }) });
