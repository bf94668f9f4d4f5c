// Rows → RecordsService messages (opening sealed fields).
import {
  ConsentKind,
  ConsentSource,
  type Consent,
  type Document,
  type Patient,
  type Share,
} from '@careline/contracts';
import { type ConsentRow } from '../db/consents';
import { type DocumentRow } from '../db/documents';
import { type PatientRow } from '../db/patients';
import { type ShareRow } from '../db/shares';
import { type PatientIdentity, identitySchema } from '../domain/patient';
import { type AtRest, atRestContext } from '../domain/sealing';
import { shareStatus } from '../domain/share-status';

export async function openIdentity(atRest: AtRest, row: PatientRow): Promise<PatientIdentity> {
  const json = await atRest.openString(
    row.tenant_id,
    row.identity_sealed,
    atRestContext.patientIdentity(row.id),
  );
  return identitySchema.parse(JSON.parse(json));
}

export async function patientView(atRest: AtRest, row: PatientRow): Promise<Patient> {
  const identity = await openIdentity(atRest, row);
  return {
    id: row.id,
    tenantId: row.tenant_id,
    mrn: identity.mrn,
    givenName: identity.givenName,
    familyName: identity.familyName,
    dateOfBirth: identity.dateOfBirth,
    waId: identity.waId,
    waIdHash: row.wa_id_hash ?? '',
    preferredLanguage: row.preferred_language,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

export const CONSENT_KIND_TO_PROTO = {
  messaging: ConsentKind.CONSENT_KIND_MESSAGING,
  result_release_whatsapp: ConsentKind.CONSENT_KIND_RESULT_RELEASE_WHATSAPP,
} as const;
export const CONSENT_SOURCE_TO_PROTO = {
  whatsapp: ConsentSource.CONSENT_SOURCE_WHATSAPP,
  staff: ConsentSource.CONSENT_SOURCE_STAFF,
  paper_form: ConsentSource.CONSENT_SOURCE_PAPER_FORM,
  ehr_import: ConsentSource.CONSENT_SOURCE_EHR_IMPORT,
} as const;

export function consentView(row: ConsentRow): Consent {
  return {
    id: row.id,
    patientId: row.patient_id,
    kind: CONSENT_KIND_TO_PROTO[row.kind],
    granted: row.granted,
    source: CONSENT_SOURCE_TO_PROTO[row.source],
    recordedBy: row.recorded_by,
    recordedAt: row.recorded_at,
  };
}

export async function documentView(atRest: AtRest, row: DocumentRow): Promise<Document> {
  return {
    id: row.id,
    patientId: row.patient_id,
    title: await atRest.openString(row.tenant_id, row.title_sealed, atRestContext.documentTitle(row.id)),
    contentType: row.content_type,
    sizeBytes: row.size_bytes,
    sha256: row.sha256,
    uploadedBy: row.uploaded_by,
    createdAt: row.created_at,
    fileName:
      row.file_name_sealed === null
        ? ''
        : await atRest.openString(
            row.tenant_id,
            row.file_name_sealed,
            atRestContext.documentFileName(row.id),
          ),
  };
}

export function shareView(row: ShareRow, now: Date): Share {
  return {
    id: row.id,
    documentId: row.document_id,
    patientId: row.patient_id,
    status: shareStatus(row, now),
    sharedBy: row.shared_by,
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    openedAt: row.opened_at ?? undefined,
    verifiedAt: row.verified_at ?? undefined,
    downloadedAt: row.downloaded_at ?? undefined,
    revokedAt: row.revoked_at ?? undefined,
    failedAttempts: row.failed_attempts,
    noticeMessageId: row.notice_message_id ?? '',
  };
}
