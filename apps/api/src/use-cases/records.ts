// Patients, consent, documents, shares and FHIR over REST: what each call means in RecordsService
// calls. records re-checks the permission, audits every read and change and answers another
// tenant's ids with NOT_FOUND; the api adds the REST shapes and, as a second line of defence,
// refuses anything of another tenant coming back (500 `tenant_mismatch`, never shown).
import { randomUUID } from 'node:crypto';
import type { Principal } from '@careline/auth';
import type { Patient, PatientFields, SearchPatientsRequest } from '@careline/contracts';
import { internalError, invalidArgument } from '@careline/runtime';
import type { z } from 'zod';
import { callerOf } from '../auth/principal';
import type { RecordsClient } from '../grpc/records-client';
import type { PageQuery } from '../schemas/common';
import {
  type PatientView,
  type consentCreateSchema,
  consentKindToProto,
  consentSourceToProto,
  type patientCreateSchema,
  type patientPatchSchema,
  type patientSearchQuerySchema,
  toConsentView,
  toDocumentView,
  toPatientView,
  toShareView,
} from '../schemas/records';
import { contentDisposition } from './get-media';

export interface RecordsDeps {
  records: RecordsClient;
}

/** The FHIR resource types the api serves (the path names one; nothing else is routed). */
export type FhirResourceType = 'Patient' | 'DocumentReference' | 'DiagnosticReport';

export interface DocumentUpload {
  title: string;
  fileName: string;
  declaredContentType: string;
  content: Uint8Array;
  idempotencyKey?: string;
}

function missing(what: string): Error {
  return internalError('upstream_invalid_response', `records answered without the ${what}.`);
}

function samePatientTenant(principal: Principal, patient: Patient | undefined): Patient {
  if (patient === undefined) throw missing('patient');
  if (patient.tenantId !== '' && patient.tenantId.toLowerCase() !== principal.tenantId) {
    throw internalError('tenant_mismatch', 'records returned a patient of another tenant.', {
      details: { patientId: patient.id },
    });
  }
  return patient;
}

function fieldsOf(view: Omit<PatientView, 'id' | 'waIdHash' | 'createdAt' | 'updatedAt'>): PatientFields {
  return {
    mrn: view.mrn,
    givenName: view.givenName,
    familyName: view.familyName,
    dateOfBirth: view.dateOfBirth,
    waId: view.waId ?? '',
    preferredLanguage: view.preferredLanguage ?? '',
  };
}

function searchOf(query: z.output<typeof patientSearchQuerySchema>): SearchPatientsRequest['query'] {
  if (query.mrn !== undefined) return { $case: 'mrn', value: query.mrn };
  if (query.waId !== undefined) return { $case: 'waId', value: query.waId };
  return {
    $case: 'name',
    value: { familyName: query.familyName ?? '', dateOfBirth: query.birthDate ?? '', givenNamePrefix: query.givenNamePrefix ?? '' },
  };
}

/** `Idempotency-Key` header and body field: equal when both are given. */
export function idempotencyKeyOf(header: string | undefined, body: string | undefined): string {
  if (header !== undefined && body !== undefined && header !== body) {
    throw invalidArgument('idempotency_key_mismatch', 'The Idempotency-Key header and idempotencyKey differ.');
  }
  // Without a key the request is its own intent (it must not be retried blindly).
  return header ?? body ?? randomUUID();
}

export function createRecordsUseCases({ records }: RecordsDeps) {
  return {
    async createPatient(principal: Principal, body: z.output<typeof patientCreateSchema>) {
      const { patient } = await records.createPatient(callerOf(principal), {
        patient: fieldsOf({ ...body, waId: body.waId ?? null, preferredLanguage: body.preferredLanguage ?? null }),
      });
      return toPatientView(samePatientTenant(principal, patient));
    },

    async getPatient(principal: Principal, patientId: string) {
      const { patient } = await records.getPatient(callerOf(principal), { patientId });
      return toPatientView(samePatientTenant(principal, patient));
    },

    /**
     * RecordsService replaces all identifying fields at once, so a PATCH reads the patient
     * (audited as a read) and writes the merge (audited as the update).
     */
    async patchPatient(principal: Principal, patientId: string, patch: z.output<typeof patientPatchSchema>) {
      const caller = callerOf(principal);
      const current = toPatientView(samePatientTenant(principal, (await records.getPatient(caller, { patientId })).patient));
      const merged = {
        mrn: patch.mrn ?? current.mrn,
        givenName: patch.givenName ?? current.givenName,
        familyName: patch.familyName ?? current.familyName,
        dateOfBirth: patch.dateOfBirth ?? current.dateOfBirth,
        waId: patch.waId === undefined ? current.waId : patch.waId,
        preferredLanguage: patch.preferredLanguage === undefined ? current.preferredLanguage : patch.preferredLanguage,
      };
      const { patient } = await records.updatePatient(caller, { patientId, patient: fieldsOf(merged) });
      return toPatientView(samePatientTenant(principal, patient));
    },

    async searchPatients(principal: Principal, query: z.output<typeof patientSearchQuerySchema>) {
      const { patients } = await records.searchPatients(callerOf(principal), { query: searchOf(query), pageSize: query.limit });
      return { items: patients.map((patient) => toPatientView(samePatientTenant(principal, patient))) };
    },

    async linkContact(principal: Principal, patientId: string, body: { waIdHash: string; conversationId?: string | undefined }) {
      const { patient } = await records.linkContact(callerOf(principal), {
        patientId,
        waIdHash: body.waIdHash,
        conversationId: body.conversationId ?? '',
      });
      return toPatientView(samePatientTenant(principal, patient));
    },

    async listConsents(principal: Principal, patientId: string) {
      const { history, current } = await records.listConsents(callerOf(principal), { patientId });
      return { history: history.map(toConsentView), current: current.map(toConsentView) };
    },

    async recordConsent(principal: Principal, patientId: string, body: z.output<typeof consentCreateSchema>) {
      const { consent } = await records.recordConsent(callerOf(principal), {
        patientId,
        kind: consentKindToProto(body.kind),
        granted: body.granted,
        source: consentSourceToProto(body.source),
      });
      if (consent === undefined) throw missing('consent');
      return toConsentView(consent);
    },

    async uploadDocument(principal: Principal, patientId: string, upload: DocumentUpload) {
      const { document } = await records.uploadDocument(callerOf(principal), {
        patientId,
        title: upload.title,
        fileName: upload.fileName,
        declaredContentType: upload.declaredContentType,
        content: upload.content,
        idempotencyKey: upload.idempotencyKey ?? randomUUID(),
      });
      if (document === undefined) throw missing('document');
      return toDocumentView(document);
    },

    async listDocuments(principal: Principal, patientId: string, page: PageQuery) {
      const response = await records.listDocuments(callerOf(principal), {
        patientId,
        pageSize: page.limit,
        pageToken: page.cursor ?? '',
      });
      return {
        items: response.documents.map(toDocumentView),
        nextCursor: response.nextPageToken === '' ? null : response.nextPageToken,
      };
    },

    /** The decrypted content for staff (records audits the read and checks its hash). */
    async documentContent(principal: Principal, documentId: string) {
      const { document, content } = await records.getDocument(callerOf(principal), { documentId });
      if (document === undefined) throw missing('document');
      const type = /^[a-z]+\/[a-z0-9.+-]+$/.test(document.contentType) ? document.contentType : 'application/octet-stream';
      return {
        content: Buffer.from(content.buffer, content.byteOffset, content.byteLength),
        contentType: type,
        disposition: contentDisposition(document.fileName === '' ? `document-${document.id}` : document.fileName),
      };
    },

    async shareDocument(principal: Principal, documentId: string, options: { expiresInMinutes?: number | undefined; idempotencyKey: string }) {
      const { share } = await records.shareDocument(callerOf(principal), {
        documentId,
        expiresInMinutes: options.expiresInMinutes ?? 0,
        idempotencyKey: options.idempotencyKey,
      });
      if (share === undefined) throw missing('share');
      return toShareView(share);
    },

    async listShares(principal: Principal, documentId: string) {
      const response = await records.listShares(callerOf(principal), { scope: { $case: 'documentId', value: documentId } });
      return { items: response.shares.map(toShareView) };
    },

    async revokeShare(principal: Principal, shareId: string) {
      const { share } = await records.revokeShare(callerOf(principal), { shareId });
      if (share === undefined) throw missing('share');
      return toShareView(share);
    },

    async importFhir(principal: Principal, resourceType: Exclude<FhirResourceType, 'DiagnosticReport'>, resource: Record<string, unknown>, idempotencyKey: string | undefined) {
      if (resource['resourceType'] !== resourceType) {
        // the same answer records gives for an invalid resource: a problem with an OperationOutcome
        throw invalidArgument('invalid_fhir_resource', 'The FHIR resource is not valid; see details.operationOutcome.', {
          details: {
            operationOutcome: {
              resourceType: 'OperationOutcome',
              issue: [{ severity: 'error', code: 'invalid', diagnostics: `resourceType must be ${resourceType} on this path.`, expression: ['resourceType'] }],
            },
          },
        });
      }
      const response = await records.importFhirResource(callerOf(principal), {
        resourceJson: JSON.stringify(resource),
        // a DocumentReference is an upload, which needs a key: without one the request is its own intent
        idempotencyKey: idempotencyKey ?? (resourceType === 'DocumentReference' ? randomUUID() : ''),
      });
      return { created: response.created, resource: parseJsonObject(response.resourceJson) };
    },

    async exportFhir(principal: Principal, resourceType: FhirResourceType, id: string) {
      const response = await records.exportFhirResource(callerOf(principal), { resourceType, id });
      return parseJsonObject(response.resourceJson);
    },
  };
}

/** records' FHIR JSON, checked to be a resource before it is passed on. */
function parseJsonObject(json: string): { resourceType: string; [key: string]: unknown } {
  const value: unknown = JSON.parse(json);
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw missing('FHIR resource');
  const resourceType: unknown = (value as Record<string, unknown>)['resourceType'];
  if (typeof resourceType !== 'string') throw missing('FHIR resourceType');
  return { ...(value as Record<string, unknown>), resourceType };
}

export type RecordsUseCases = ReturnType<typeof createRecordsUseCases>;
