// records' DomainErrors. Codes are contracts (api passes them on as problem+json `code`, see
// records.proto); messages and details hold ids and field names, never patient data.
import {
  DomainError,
  conflict,
  failedPrecondition,
  invalidArgument,
  notFound,
  resourceExhausted,
  unauthenticated,
} from '@careline/runtime';

export function tenantRequired(): DomainError {
  return unauthenticated('tenant_required', 'The call names no tenant (metadata x-careline-tenant).');
}

export function invalidPatient(field: string, rule: string): DomainError {
  return invalidArgument('invalid_patient', `The patient's ${field} ${rule}.`, { details: { field } });
}

export function invalidRequest(field: string, rule: string): DomainError {
  return invalidArgument('invalid_request', `The field ${field} ${rule}.`, { details: { field } });
}

export function invalidSearch(message: string): DomainError {
  return invalidArgument('invalid_search', message);
}

export function patientNotFound(): DomainError {
  return notFound('patient_not_found', 'The patient does not exist.');
}

export function mrnTaken(): DomainError {
  return conflict('mrn_taken', 'Another patient of this tenant has that medical record number.');
}

export function documentNotFound(): DomainError {
  return notFound('document_not_found', 'The document does not exist.');
}

export function shareNotFound(): DomainError {
  return notFound('share_not_found', 'The share does not exist.');
}

export function documentTooLarge(maxBytes: number): DomainError {
  return resourceExhausted('document_too_large', `The document is larger than ${maxBytes} bytes.`, {
    details: { maxBytes },
    retryable: false,
  });
}

export function unsupportedContentType(): DomainError {
  return invalidArgument(
    'unsupported_content_type',
    'The content is not a PDF, PNG, JPEG or WebP file (the type is read from the bytes, not the name or header).',
  );
}

export function idempotencyKeyRequired(): DomainError {
  return invalidArgument(
    'idempotency_key_required',
    'An idempotency key of at most 200 characters is required.',
  );
}

export function patientNotReachable(): DomainError {
  return failedPrecondition(
    'patient_not_reachable',
    'The patient has no WhatsApp number or linked contact: add one before sharing.',
  );
}

export function noMessagingConsent(): DomainError {
  return failedPrecondition('no_messaging_consent', 'The patient withdrew consent to WhatsApp messages.');
}

export function documentIntegrityFailed(documentId: string): DomainError {
  return new DomainError({
    code: 'document_integrity_failed',
    kind: 'internal',
    message: 'The stored document does not match its content hash.',
    details: { documentId },
  });
}

export function invalidPageToken(): DomainError {
  return invalidArgument('invalid_page_token', 'The page token is not one this service issued.');
}
