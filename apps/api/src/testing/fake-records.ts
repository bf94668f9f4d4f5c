// A small in-memory RecordsService for the api's tests, following
// proto/careline/records/v1/records.proto and apps/records' behaviour where the api can observe
// it: the tenant from the caller (never the request), the permission checked again, another
// tenant's ids NOT_FOUND, the content type sniffed from magic bytes (the declared one ignored),
// uploads and shares idempotent by key, FHIR invalid → `invalid_fhir_resource` with an
// OperationOutcome. Not modelled: MRN uniqueness, encryption, audit events, the release flow (the
// real records runs in records' own tests and the end-to-end suite).
import { randomUUID } from 'node:crypto';
import { type Permission, can } from '@careline/auth';
import {
  type Consent,
  ConsentKind,
  type Document,
  type Patient,
  type PatientFields,
  type Share,
  ShareStatus,
} from '@careline/contracts';
import {
  type Caller,
  type DomainError,
  invalidArgument,
  notFound,
  permissionDenied,
  resourceExhausted,
  unauthenticated,
  unavailable,
} from '@careline/runtime';
import type { RecordsClient } from '../grpc/records-client';

export interface RecordedRecordsCall {
  method: keyof Omit<RecordsClient, 'close'>;
  caller: Caller;
  request: unknown;
}

export interface FakeRecords {
  client: RecordsClient;
  calls: RecordedRecordsCall[];
  addPatient(tenantId: string, fields?: Partial<PatientFields>): Patient;
  addDocument(tenantId: string, patientId: string, content?: Uint8Array): Document;
  addShare(tenantId: string, documentId: string): Share;
  /** Largest upload accepted (records' DOCUMENT_MAX_BYTES). */
  maxBytes: number;
  setAvailable(available: boolean): void;
}

export const PDF_BYTES = new Uint8Array(Buffer.from('%PDF-1.7\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n', 'latin1'));

function sniff(content: Uint8Array): string | undefined {
  const b = Buffer.from(content.buffer, content.byteOffset, content.byteLength);
  if (b.subarray(0, 5).toString('latin1') === '%PDF-') return 'application/pdf';
  if (b.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))) return 'image/png';
  if (b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return 'image/jpeg';
  if (b.subarray(0, 4).toString('latin1') === 'RIFF' && b.subarray(8, 12).toString('latin1') === 'WEBP') return 'image/webp';
  return undefined;
}

interface Stored<T> {
  tenantId: string;
  value: T;
}

export function createFakeRecords(): FakeRecords {
  const patients = new Map<string, Stored<Patient>>();
  const documents = new Map<string, Stored<Document> & { content: Uint8Array; key: string }>();
  const shares = new Map<string, Stored<Share> & { key: string }>();
  const consents: Stored<Consent>[] = [];
  const calls: RecordedRecordsCall[] = [];
  // per tenant: the release policy (records' default, nothing in chat, when never set)
  const releasePolicies = new Map<string, { allowDocumentInChat: boolean }>();
  let available = true;
  const state = { maxBytes: 10 * 1024 * 1024 };

  function enter(method: RecordedRecordsCall['method'], caller: Caller, request: unknown, permission: Permission): string {
    if (!available) throw unavailable('service_unavailable', 'The records service is unavailable; try again shortly.', { details: { service: 'records' } });
    if (caller.tenantId === undefined) throw unauthenticated('tenant_required', 'x-careline-tenant is required.');
    calls.push({ method, caller, request });
    if (!can({ roles: caller.roles as never }, permission)) {
      throw permissionDenied('permission_denied', `The caller lacks ${permission}.`, { details: { permission } });
    }
    return caller.tenantId;
  }
  const find = <T>(map: Map<string, Stored<T>>, tenantId: string, id: string, error: () => DomainError): T => {
    const found = map.get(id);
    if (found === undefined || found.tenantId !== tenantId) throw error();
    return found.value;
  };
  const patientNotFound = () => notFound('patient_not_found', 'The patient does not exist.');
  const documentNotFound = () => notFound('document_not_found', 'The document does not exist.');
  const shareNotFound = () => notFound('share_not_found', 'The share does not exist.');

  function addPatient(tenantId: string, fields: Partial<PatientFields> = {}): Patient {
    const now = new Date();
    const patient: Patient = {
      id: randomUUID(),
      tenantId,
      mrn: fields.mrn ?? `MRN-${randomUUID().slice(0, 8)}`,
      givenName: fields.givenName ?? 'Ana',
      familyName: fields.familyName ?? 'García',
      dateOfBirth: fields.dateOfBirth ?? '1980-02-29',
      waId: fields.waId ?? '34600000001',
      waIdHash: '',
      preferredLanguage: fields.preferredLanguage ?? '',
      createdAt: now,
      updatedAt: now,
    };
    patients.set(patient.id, { tenantId, value: patient });
    return patient;
  }

  function storeDocument(tenantId: string, patientId: string, content: Uint8Array, title: string, fileName: string, key: string, uploadedBy: string): Document {
    const contentType = sniff(content);
    if (contentType === undefined) throw invalidArgument('unsupported_content_type', 'Only PDF, PNG, JPEG and WebP documents are accepted.');
    const document: Document = {
      id: randomUUID(),
      patientId,
      title,
      contentType,
      sizeBytes: content.byteLength,
      sha256: '0'.repeat(64),
      uploadedBy,
      createdAt: new Date(),
      fileName,
    };
    documents.set(document.id, { tenantId, value: document, content, key });
    return document;
  }

  function storeShare(tenantId: string, document: Document, key: string, sharedBy: string, minutes: number): Share {
    const now = new Date();
    const share: Share = {
      id: randomUUID(),
      documentId: document.id,
      patientId: document.patientId,
      status: ShareStatus.SHARE_STATUS_SENT,
      sharedBy,
      createdAt: now,
      expiresAt: new Date(now.getTime() + (minutes === 0 ? 72 * 60 : minutes) * 60_000),
      openedAt: undefined,
      verifiedAt: undefined,
      downloadedAt: undefined,
      revokedAt: undefined,
      failedAttempts: 0,
      noticeMessageId: randomUUID(),
    };
    shares.set(share.id, { tenantId, value: share, key });
    return share;
  }

  const withUpdated = (patient: Patient, fields: PatientFields): Patient => ({ ...patient, ...fields, updatedAt: new Date() });

  const client: RecordsClient = {
    createPatient: (caller, request) => {
      const tenantId = enter('createPatient', caller, request, 'patients:write');
      return Promise.resolve({ patient: addPatient(tenantId, request.patient ?? {}) });
    },
    getPatient: (caller, request) => {
      const tenantId = enter('getPatient', caller, request, 'patients:read');
      return Promise.resolve({ patient: find(patients, tenantId, request.patientId, patientNotFound) });
    },
    updatePatient: (caller, request) => {
      const tenantId = enter('updatePatient', caller, request, 'patients:write');
      const patient = withUpdated(find(patients, tenantId, request.patientId, patientNotFound), request.patient!);
      patients.set(patient.id, { tenantId, value: patient });
      return Promise.resolve({ patient });
    },
    searchPatients: (caller, request) => {
      const tenantId = enter('searchPatients', caller, request, 'patients:read');
      const query = request.query;
      if (query === undefined) throw invalidArgument('invalid_search', 'Give one way of searching.');
      const mine = [...patients.values()].filter((p) => p.tenantId === tenantId).map((p) => p.value);
      const found = mine.filter((p) => {
        switch (query.$case) {
          case 'mrn':
            return p.mrn === query.value;
          case 'waId':
            return p.waId === query.value;
          case 'name':
            return (
              p.familyName.toLowerCase() === query.value.familyName.toLowerCase() &&
              (query.value.dateOfBirth === '' || p.dateOfBirth === query.value.dateOfBirth)
            );
        }
      });
      return Promise.resolve({ patients: found });
    },
    linkContact: (caller, request) => {
      const tenantId = enter('linkContact', caller, request, 'patients:write');
      const patient = { ...find(patients, tenantId, request.patientId, patientNotFound), waIdHash: request.waIdHash };
      patients.set(patient.id, { tenantId, value: patient });
      return Promise.resolve({ patient });
    },
    recordConsent: (caller, request) => {
      const tenantId = enter('recordConsent', caller, request, 'patients:write');
      find(patients, tenantId, request.patientId, patientNotFound);
      if (request.kind === ConsentKind.CONSENT_KIND_UNSPECIFIED) throw invalidArgument('invalid_consent', 'kind is required.');
      const consent: Consent = { id: randomUUID(), ...request, recordedBy: caller.actor ?? '', recordedAt: new Date() };
      consents.unshift({ tenantId, value: consent });
      return Promise.resolve({ consent });
    },
    listConsents: (caller, request) => {
      const tenantId = enter('listConsents', caller, request, 'patients:read');
      find(patients, tenantId, request.patientId, patientNotFound);
      const history = consents.filter((c) => c.tenantId === tenantId && c.value.patientId === request.patientId).map((c) => c.value);
      // history is newest first: the first decision met per kind is the current one
      const current = history.filter((c, i) => history.findIndex((h) => h.kind === c.kind) === i);
      return Promise.resolve({ history, current });
    },
    uploadDocument: (caller, request) => {
      const tenantId = enter('uploadDocument', caller, request, 'documents:share');
      find(patients, tenantId, request.patientId, patientNotFound);
      if (request.content.byteLength > state.maxBytes) throw resourceExhausted('document_too_large', 'The document is too large.');
      const again = [...documents.values()].find((d) => d.tenantId === tenantId && d.key === request.idempotencyKey && d.value.patientId === request.patientId);
      if (again !== undefined) return Promise.resolve({ document: again.value });
      return Promise.resolve({
        document: storeDocument(tenantId, request.patientId, request.content, request.title, request.fileName, request.idempotencyKey, caller.actor ?? ''),
      });
    },
    listDocuments: (caller, request) => {
      const tenantId = enter('listDocuments', caller, request, 'documents:read');
      find(patients, tenantId, request.patientId, patientNotFound);
      const list = [...documents.values()].filter((d) => d.tenantId === tenantId && d.value.patientId === request.patientId).map((d) => d.value);
      return Promise.resolve({ documents: list.reverse(), nextPageToken: '' });
    },
    getDocument: (caller, request) => {
      const tenantId = enter('getDocument', caller, request, 'documents:read');
      const document = find(documents, tenantId, request.documentId, documentNotFound);
      return Promise.resolve({ document, content: documents.get(document.id)!.content });
    },
    shareDocument: (caller, request) => {
      const tenantId = enter('shareDocument', caller, request, 'documents:share');
      const document = find(documents, tenantId, request.documentId, documentNotFound);
      const again = [...shares.values()].find((s) => s.tenantId === tenantId && s.key === request.idempotencyKey && s.value.documentId === document.id);
      if (again !== undefined) return Promise.resolve({ share: again.value });
      return Promise.resolve({ share: storeShare(tenantId, document, request.idempotencyKey, caller.actor ?? '', request.expiresInMinutes) });
    },
    revokeShare: (caller, request) => {
      const tenantId = enter('revokeShare', caller, request, 'documents:share');
      const current = find(shares, tenantId, request.shareId, shareNotFound);
      const share = { ...current, status: ShareStatus.SHARE_STATUS_REVOKED, revokedAt: current.revokedAt ?? new Date() };
      shares.set(share.id, { ...shares.get(share.id)!, value: share });
      return Promise.resolve({ share });
    },
    listShares: (caller, request) => {
      const tenantId = enter('listShares', caller, request, 'documents:read');
      const scope = request.scope;
      if (scope?.$case === 'documentId') find(documents, tenantId, scope.value, documentNotFound);
      const list = [...shares.values()]
        .filter((s) => s.tenantId === tenantId && (scope?.$case === 'documentId' ? s.value.documentId === scope.value : s.value.patientId === scope?.value))
        .map((s) => s.value);
      return Promise.resolve({ shares: list.reverse() });
    },
    importFhirResource: (caller, request) => {
      let resource: unknown;
      try {
        resource = JSON.parse(request.resourceJson);
      } catch {
        resource = undefined;
      }
      const type = typeof resource === 'object' && resource !== null ? (resource as Record<string, unknown>)['resourceType'] : undefined;
      const invalid = (path: string) =>
        invalidArgument('invalid_fhir_resource', 'The FHIR resource is not valid; see details.operationOutcome.', {
          details: { operationOutcome: { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'invalid', expression: [path] }] } },
        });
      if (type === 'Patient') {
        const tenantId = enter('importFhirResource', caller, request, 'patients:write');
        const p = resource as { birthDate?: unknown; identifier?: { value?: unknown }[] };
        if (typeof p.birthDate !== 'string') throw invalid('Patient.birthDate');
        const mrn = p.identifier?.[0]?.value;
        const patient = addPatient(tenantId, { dateOfBirth: p.birthDate, mrn: typeof mrn === 'string' ? mrn : 'MRN' });
        return Promise.resolve({ resourceType: 'Patient', id: patient.id, created: true, resourceJson: JSON.stringify({ resourceType: 'Patient', id: patient.id, birthDate: patient.dateOfBirth }) });
      }
      if (type === 'DocumentReference') {
        const tenantId = enter('importFhirResource', caller, request, 'documents:share');
        const d = resource as { subject?: { reference?: unknown }; content?: { attachment?: { data?: unknown } }[] };
        const reference = typeof d.subject?.reference === 'string' ? d.subject.reference : '';
        const data = d.content?.[0]?.attachment?.data;
        if (!reference.startsWith('Patient/')) throw invalid('DocumentReference.subject');
        if (typeof data !== 'string') throw invalid('DocumentReference.content[0].attachment.data');
        const patientId = reference.slice('Patient/'.length);
        find(patients, tenantId, patientId, patientNotFound);
        const document = storeDocument(tenantId, patientId, Buffer.from(data, 'base64'), 'Imported', '', request.idempotencyKey, caller.actor ?? '');
        return Promise.resolve({
          resourceType: 'DocumentReference',
          id: document.id,
          created: true,
          resourceJson: JSON.stringify({ resourceType: 'DocumentReference', id: document.id, subject: { reference } }),
        });
      }
      enter('importFhirResource', caller, request, 'patients:write');
      throw invalid('resourceType');
    },
    exportFhirResource: (caller, request) => {
      if (request.resourceType === 'Patient') {
        const tenantId = enter('exportFhirResource', caller, request, 'patients:read');
        const patient = find(patients, tenantId, request.id, patientNotFound);
        return Promise.resolve({ resourceJson: JSON.stringify({ resourceType: 'Patient', id: patient.id, birthDate: patient.dateOfBirth }) });
      }
      const tenantId = enter('exportFhirResource', caller, request, 'documents:read');
      const document = find(documents, tenantId, request.id, documentNotFound);
      const resourceType = request.resourceType === 'DiagnosticReport' ? 'DiagnosticReport' : 'DocumentReference';
      return Promise.resolve({ resourceJson: JSON.stringify({ resourceType, id: document.id, subject: { reference: `Patient/${document.patientId}` } }) });
    },
    getReleasePolicy: (caller) => {
      const tenantId = enter('getReleasePolicy', caller, {}, 'tenant:admin');
      return Promise.resolve({ policy: releasePolicies.get(tenantId) ?? { allowDocumentInChat: false } });
    },
    setReleasePolicy: (caller, request) => {
      const tenantId = enter('setReleasePolicy', caller, request, 'tenant:admin');
      if (request.policy === undefined) throw invalidArgument('invalid_request', 'The field policy must be set.', { details: { field: 'policy' } });
      const policy = { allowDocumentInChat: request.policy.allowDocumentInChat };
      releasePolicies.set(tenantId, policy);
      return Promise.resolve({ policy });
    },
    close: () => undefined,
  };

  // Throwing synchronously inside a method would escape the Promise: every method is made to reject instead.
  const safeClient = Object.fromEntries(
    Object.entries(client).map(([name, method]) => [
      name,
      name === 'close'
        ? method
        : (...args: unknown[]) => {
            try {
              return (method as (...a: unknown[]) => Promise<unknown>)(...args);
            } catch (error) {
              return Promise.reject(error instanceof Error ? error : new Error(String(error)));
            }
          },
    ]),
  ) as unknown as RecordsClient;

  return {
    client: safeClient,
    calls,
    addPatient,
    addDocument: (tenantId, patientId, content = PDF_BYTES) => storeDocument(tenantId, patientId, content, 'Blood panel', 'panel.pdf', randomUUID(), 'user:seed'),
    addShare: (tenantId, documentId) => storeShare(tenantId, find(documents, tenantId, documentId, documentNotFound), randomUUID(), 'user:seed', 0),
    get maxBytes() {
      return state.maxBytes;
    },
    set maxBytes(value: number) {
      state.maxBytes = value;
    },
    setAvailable: (value) => {
      available = value;
    },
  };
}
