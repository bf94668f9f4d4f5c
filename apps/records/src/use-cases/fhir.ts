// FHIR R4 import and export, built on the ordinary use-cases (so the same validation, role checks
// and audit events apply): a Patient is created, or updated when the tenant already has its MRN;
// a DocumentReference becomes an uploaded document (type sniffed from the bytes as for any
// upload). A resource that does not validate is refused with `invalid_fhir_resource` and an
// OperationOutcome in the error's details.
import {
  type ExportFhirResourceRequest,
  type ExportFhirResourceResponse,
  type ImportFhirResourceRequest,
  type ImportFhirResourceResponse,
  type Patient,
} from '@careline/contracts';
import { type DomainError, type JsonValue, invalidArgument } from '@careline/runtime';
import {
  type OperationOutcome,
  diagnosticReportResource,
  documentReferenceResource,
  notSupported,
  parseResource,
  patientFieldsOf,
  patientResource,
} from '../fhir/resources';
import { type TenantCaller } from './caller';

function invalidResource(outcome: OperationOutcome): DomainError {
  return invalidArgument(
    'invalid_fhir_resource',
    'The FHIR resource is not valid; see details.operationOutcome.',
    {
      // plain JSON data (strings and arrays), as DomainError details must be
      details: { operationOutcome: JSON.parse(JSON.stringify(outcome)) as JsonValue },
    },
  );
}

interface UseCases {
  createPatient(
    caller: TenantCaller,
    r: { patient: ReturnType<typeof patientFieldsOf> },
  ): Promise<{ patient?: Patient | undefined }>;
  updatePatient(
    caller: TenantCaller,
    r: { patientId: string; patient: ReturnType<typeof patientFieldsOf> },
  ): Promise<{ patient?: Patient | undefined }>;
  getPatient(caller: TenantCaller, r: { patientId: string }): Promise<{ patient?: Patient | undefined }>;
  searchPatients(
    caller: TenantCaller,
    r: { query: { $case: 'mrn'; value: string }; pageSize: number },
  ): Promise<{ patients: Patient[] }>;
  uploadDocument(
    caller: TenantCaller,
    r: {
      patientId: string;
      title: string;
      fileName: string;
      declaredContentType: string;
      content: Uint8Array;
      idempotencyKey: string;
    },
  ): Promise<{ document?: { id: string; createdAt?: Date | undefined } | undefined }>;
  getDocument(
    caller: TenantCaller,
    r: { documentId: string },
  ): Promise<{
    document?:
      | {
          id: string;
          patientId: string;
          title: string;
          contentType: string;
          sizeBytes: number;
          createdAt?: Date | undefined;
        }
      | undefined;
    content: Uint8Array;
  }>;
}

export function createFhirUseCases(useCases: UseCases & { describeDocument(caller: TenantCaller, documentId: string): Promise<(Omit<Parameters<typeof diagnosticReportResource>[0], 'createdAt'> & { createdAt?: Date | undefined }) | undefined> }) {
  const exportPatient = async (caller: TenantCaller, id: string) => {
    const { patient } = await useCases.getPatient(caller, { patientId: id });
    if (patient === undefined) throw new Error('GetPatient answered without a patient');
    return patientResource(patient);
  };
  const exportDocument = async (caller: TenantCaller, id: string) => {
    const { document, content } = await useCases.getDocument(caller, { documentId: id });
    if (document === undefined) throw new Error('GetDocument answered without a document');
    return documentReferenceResource({ ...document, createdAt: document.createdAt ?? new Date(0), content });
  };

  async function importFhirResource(
    caller: TenantCaller,
    request: ImportFhirResourceRequest,
  ): Promise<ImportFhirResourceResponse> {
    const parsed = parseResource(request.resourceJson);
    if (!parsed.ok) throw invalidResource(parsed.outcome);
    const { resource } = parsed;
    switch (resource.type) {
      case 'Patient': {
        const fields = patientFieldsOf(resource.value);
        const { patients } = await useCases.searchPatients(caller, {
          query: { $case: 'mrn', value: fields.mrn },
          pageSize: 1,
        });
        const existing = patients[0];
        const { patient } =
          existing === undefined
            ? await useCases.createPatient(caller, { patient: fields })
            : await useCases.updatePatient(caller, { patientId: existing.id, patient: fields });
        if (patient === undefined) throw new Error('the patient use-case answered without a patient');
        return {
          resourceType: 'Patient',
          id: patient.id,
          created: existing === undefined,
          resourceJson: JSON.stringify(patientResource(patient)),
        };
      }
      case 'DocumentReference': {
        const attachment = resource.value.content[0]?.attachment;
        if (attachment === undefined)
          throw invalidResource(notSupported('DocumentReference.content: needs one attachment.'));
        const title = resource.value.description ?? attachment.title ?? 'Document';
        const { document } = await useCases.uploadDocument(caller, {
          patientId: resource.value.subject.reference.slice('Patient/'.length),
          title,
          fileName: '',
          declaredContentType: attachment.contentType ?? '',
          content: Buffer.from(attachment.data, 'base64'),
          idempotencyKey: request.idempotencyKey,
        });
        if (document === undefined) throw new Error('UploadDocument answered without a document');
        return {
          resourceType: 'DocumentReference',
          id: document.id,
          created: true,
          resourceJson: JSON.stringify(await exportDocument(caller, document.id)),
        };
      }
    }
  }

  async function exportFhirResource(
    caller: TenantCaller,
    request: ExportFhirResourceRequest,
  ): Promise<ExportFhirResourceResponse> {
    switch (request.resourceType) {
      case 'Patient':
        return { resourceJson: JSON.stringify(await exportPatient(caller, request.id)) };
      case 'DocumentReference':
        return { resourceJson: JSON.stringify(await exportDocument(caller, request.id)) };
      case 'DiagnosticReport': {
        // the report of a document: its id is the document id (metadata only, no content)
        const document = await useCases.describeDocument(caller, request.id);
        if (document === undefined) throw new Error('describeDocument answered without a document');
        return { resourceJson: JSON.stringify(diagnosticReportResource({ ...document, createdAt: document.createdAt ?? new Date(0) })) };
      }
      default:
        throw invalidResource(notSupported('Only Patient, DocumentReference and DiagnosticReport resources are exported.'));
    }
  }

  return { importFhirResource, exportFhirResource };
}
