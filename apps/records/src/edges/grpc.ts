// RecordsService over gRPC: the caller from metadata, then the use-case. Errors are translated
// once, by grpcUnary (DomainError → status code + x-careline-error-code).
import { type RecordsServiceHandlers } from '@careline/contracts';
import { type Logger, grpcUnary } from '@careline/runtime';
import { type RecordsUseCases, requireTenantCaller } from '../use-cases';

export function createRecordsGrpcHandlers(useCases: RecordsUseCases, logger: Logger): RecordsServiceHandlers {
  const options = { logger };
  return {
    createPatient: grpcUnary(
      (request, { caller }) => useCases.createPatient(requireTenantCaller(caller), request),
      options,
    ),
    getPatient: grpcUnary(
      (request, { caller }) => useCases.getPatient(requireTenantCaller(caller), request),
      options,
    ),
    updatePatient: grpcUnary(
      (request, { caller }) => useCases.updatePatient(requireTenantCaller(caller), request),
      options,
    ),
    searchPatients: grpcUnary(
      (request, { caller }) => useCases.searchPatients(requireTenantCaller(caller), request),
      options,
    ),
    linkContact: grpcUnary(
      (request, { caller }) => useCases.linkContact(requireTenantCaller(caller), request),
      options,
    ),
    recordConsent: grpcUnary(
      (request, { caller }) => useCases.recordConsent(requireTenantCaller(caller), request),
      options,
    ),
    listConsents: grpcUnary(
      (request, { caller }) => useCases.listConsents(requireTenantCaller(caller), request),
      options,
    ),
    uploadDocument: grpcUnary(
      (request, { caller }) => useCases.uploadDocument(requireTenantCaller(caller), request),
      options,
    ),
    listDocuments: grpcUnary(
      (request, { caller }) => useCases.listDocuments(requireTenantCaller(caller), request),
      options,
    ),
    getDocument: grpcUnary(
      (request, { caller }) => useCases.getDocument(requireTenantCaller(caller), request),
      options,
    ),
    shareDocument: grpcUnary(
      (request, { caller }) => useCases.shareDocument(requireTenantCaller(caller), request),
      options,
    ),
    revokeShare: grpcUnary(
      (request, { caller }) => useCases.revokeShare(requireTenantCaller(caller), request),
      options,
    ),
    listShares: grpcUnary(
      (request, { caller }) => useCases.listShares(requireTenantCaller(caller), request),
      options,
    ),
    importFhirResource: grpcUnary(
      (request, { caller }) => useCases.importFhirResource(requireTenantCaller(caller), request),
      options,
    ),
    exportFhirResource: grpcUnary(
      (request, { caller }) => useCases.exportFhirResource(requireTenantCaller(caller), request),
      options,
    ),
    getReleasePolicy: grpcUnary(
      (request, { caller }) => useCases.getReleasePolicy(requireTenantCaller(caller), request),
      options,
    ),
    setReleasePolicy: grpcUnary(
      (request, { caller }) => useCases.setReleasePolicy(requireTenantCaller(caller), request),
      options,
    ),
  };
}
