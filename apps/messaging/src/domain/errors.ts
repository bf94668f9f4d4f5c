// messaging's DomainErrors. Codes are contracts (api passes them on as problem+json `code`, see
// messaging.proto); messages and details hold ids and times, never patient data.
import { DomainError, failedPrecondition, invalidArgument, notFound, unauthenticated } from '@careline/runtime';

/** An event that can never be processed: dead-lettered at once. The message names fields, never values. */
export function invalidEvent(message: string): DomainError {
  return new DomainError({ code: 'invalid_event', kind: 'invalid_argument', message, retryable: false });
}

export function conversationNotFound(): DomainError {
  return notFound('conversation_not_found', 'The conversation does not exist.');
}

export function windowClosed(conversationId: string, closedAt: Date | null): DomainError {
  return failedPrecondition(
    'window_closed',
    closedAt === null
      ? 'The patient has not written yet, so free text cannot be sent; send a template instead.'
      : 'More than 24 hours since the patient last wrote; send a template instead.',
    { details: { conversationId, windowClosedAt: closedAt === null ? null : closedAt.toISOString() } },
  );
}

export function invalidText(): DomainError {
  return invalidArgument('invalid_text', 'The text must be 1 to 4096 characters and not only spaces.');
}

export function idempotencyKeyRequired(): DomainError {
  return invalidArgument('idempotency_key_required', 'An idempotency key of at most 200 characters is required.');
}

export function replyToNotFound(): DomainError {
  return invalidArgument('reply_to_not_found', 'The message to reply to is not in this conversation.');
}

export function invalidPageToken(): DomainError {
  return invalidArgument('invalid_page_token', 'The page token is not one this service issued.');
}

export function invalidPageSize(): DomainError {
  return invalidArgument('invalid_page_size', 'The page size must not be negative.');
}

export function tenantRequired(): DomainError {
  return unauthenticated('tenant_required', 'The call names no tenant (metadata x-careline-tenant).');
}
