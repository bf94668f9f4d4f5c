// The api's door to records: RecordsService calls made on behalf of an authenticated caller
// (tenant, actor and roles in metadata with the current traceparent, never in a request field),
// each bounded by a deadline, failures turned back into DomainErrors here, once. records checks
// the permission again, audits every read and change of patient data, and answers another
// tenant's ids with NOT_FOUND.
import { type ClientUnaryCall, type ServiceError, credentials } from '@grpc/grpc-js';
import {
  type CreatePatientRequest,
  type CreatePatientResponse,
  type ExportFhirResourceRequest,
  type ExportFhirResourceResponse,
  type GetDocumentRequest,
  type GetDocumentResponse,
  type GetPatientRequest,
  type GetPatientResponse,
  type GetReleasePolicyResponse,
  type ImportFhirResourceRequest,
  type ImportFhirResourceResponse,
  type LinkContactRequest,
  type LinkContactResponse,
  type ListConsentsRequest,
  type ListConsentsResponse,
  type ListDocumentsRequest,
  type ListDocumentsResponse,
  type ListSharesRequest,
  type ListSharesResponse,
  type RecordConsentRequest,
  type RecordConsentResponse,
  RecordsServiceClient,
  type RevokeShareRequest,
  type RevokeShareResponse,
  type SearchPatientsRequest,
  type SearchPatientsResponse,
  type SetReleasePolicyRequest,
  type SetReleasePolicyResponse,
  type ShareDocumentRequest,
  type ShareDocumentResponse,
  type UpdatePatientRequest,
  type UpdatePatientResponse,
  type UploadDocumentRequest,
  type UploadDocumentResponse,
} from '@careline/contracts';
import { type Caller, DomainError, fromGrpcError, metadataForCaller, unavailable } from '@careline/runtime';

export const RECORDS_SERVICE_NAME = 'careline.records.v1.RecordsService';

export interface RecordsClient {
  createPatient(caller: Caller, request: CreatePatientRequest): Promise<CreatePatientResponse>;
  getPatient(caller: Caller, request: GetPatientRequest): Promise<GetPatientResponse>;
  updatePatient(caller: Caller, request: UpdatePatientRequest): Promise<UpdatePatientResponse>;
  searchPatients(caller: Caller, request: SearchPatientsRequest): Promise<SearchPatientsResponse>;
  linkContact(caller: Caller, request: LinkContactRequest): Promise<LinkContactResponse>;
  recordConsent(caller: Caller, request: RecordConsentRequest): Promise<RecordConsentResponse>;
  listConsents(caller: Caller, request: ListConsentsRequest): Promise<ListConsentsResponse>;
  uploadDocument(caller: Caller, request: UploadDocumentRequest): Promise<UploadDocumentResponse>;
  listDocuments(caller: Caller, request: ListDocumentsRequest): Promise<ListDocumentsResponse>;
  getDocument(caller: Caller, request: GetDocumentRequest): Promise<GetDocumentResponse>;
  shareDocument(caller: Caller, request: ShareDocumentRequest): Promise<ShareDocumentResponse>;
  revokeShare(caller: Caller, request: RevokeShareRequest): Promise<RevokeShareResponse>;
  listShares(caller: Caller, request: ListSharesRequest): Promise<ListSharesResponse>;
  importFhirResource(caller: Caller, request: ImportFhirResourceRequest): Promise<ImportFhirResourceResponse>;
  exportFhirResource(caller: Caller, request: ExportFhirResourceRequest): Promise<ExportFhirResourceResponse>;
  getReleasePolicy(caller: Caller): Promise<GetReleasePolicyResponse>;
  setReleasePolicy(caller: Caller, request: SetReleasePolicyRequest): Promise<SetReleasePolicyResponse>;
  close(): void;
}

export interface RecordsClientOptions {
  /** grpc-js target, e.g. `127.0.0.1:50053` or `dns:///records:50053`. */
  target: string;
  /** Deadline of each call. */
  timeoutMs: number;
  /** Largest message either way: an upload or a download carries a whole document. */
  maxMessageBytes: number;
}

/**
 * The DomainError for a failed call: Careline errors keep their code (and details, e.g. a FHIR
 * OperationOutcome); a records that cannot be reached or does not answer in time is
 * `service_unavailable`; a refusal of the caller metadata is the api's fault (500), never a 401.
 */
export function recordsCallError(error: unknown): DomainError {
  const domain = fromGrpcError(error);
  if (domain.kind === 'unavailable' && domain.code.startsWith('upstream_')) {
    return unavailable('service_unavailable', 'The records service is unavailable; try again shortly.', {
      details: { service: 'records' },
      cause: error,
    });
  }
  if (domain.kind === 'unauthenticated') {
    return new DomainError({
      code: 'upstream_rejected_caller',
      kind: 'internal',
      message: 'The records service refused the caller identity sent by api.',
      cause: error,
    });
  }
  return domain;
}

type Callback<T> = (error: ServiceError | null, response: T) => void;

function invoke<T>(start: (callback: Callback<T>) => ClientUnaryCall): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    start((error, response) => (error ? reject(recordsCallError(error)) : resolve(response)));
  });
}

export function createRecordsClient(options: RecordsClientOptions): RecordsClient {
  const client = new RecordsServiceClient(options.target, credentials.createInsecure(), {
    // as for messaging: a restarted records should be reachable again within seconds
    'grpc.initial_reconnect_backoff_ms': 500,
    'grpc.max_reconnect_backoff_ms': 5000,
    'grpc.max_send_message_length': options.maxMessageBytes,
    'grpc.max_receive_message_length': options.maxMessageBytes,
  });
  const deadline = () => ({ deadline: new Date(Date.now() + options.timeoutMs) });
  const md = metadataForCaller;
  return {
    createPatient: (c, r) => invoke((cb) => client.createPatient(r, md(c), deadline(), cb)),
    getPatient: (c, r) => invoke((cb) => client.getPatient(r, md(c), deadline(), cb)),
    updatePatient: (c, r) => invoke((cb) => client.updatePatient(r, md(c), deadline(), cb)),
    searchPatients: (c, r) => invoke((cb) => client.searchPatients(r, md(c), deadline(), cb)),
    linkContact: (c, r) => invoke((cb) => client.linkContact(r, md(c), deadline(), cb)),
    recordConsent: (c, r) => invoke((cb) => client.recordConsent(r, md(c), deadline(), cb)),
    listConsents: (c, r) => invoke((cb) => client.listConsents(r, md(c), deadline(), cb)),
    uploadDocument: (c, r) => invoke((cb) => client.uploadDocument(r, md(c), deadline(), cb)),
    listDocuments: (c, r) => invoke((cb) => client.listDocuments(r, md(c), deadline(), cb)),
    getDocument: (c, r) => invoke((cb) => client.getDocument(r, md(c), deadline(), cb)),
    shareDocument: (c, r) => invoke((cb) => client.shareDocument(r, md(c), deadline(), cb)),
    revokeShare: (c, r) => invoke((cb) => client.revokeShare(r, md(c), deadline(), cb)),
    listShares: (c, r) => invoke((cb) => client.listShares(r, md(c), deadline(), cb)),
    importFhirResource: (c, r) => invoke((cb) => client.importFhirResource(r, md(c), deadline(), cb)),
    exportFhirResource: (c, r) => invoke((cb) => client.exportFhirResource(r, md(c), deadline(), cb)),
    getReleasePolicy: (c) => invoke((cb) => client.getReleasePolicy({}, md(c), deadline(), cb)),
    setReleasePolicy: (c, r) => invoke((cb) => client.setReleasePolicy(r, md(c), deadline(), cb)),
    close: () => client.close(),
  };
}
