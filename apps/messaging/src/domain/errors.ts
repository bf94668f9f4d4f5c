// messaging's DomainErrors. Codes are contracts (api passes them on as problem+json `code`, see
// messaging.proto); messages and details hold ids and times, never patient data.
import { DomainError, failedPrecondition, invalidArgument, notFound, permissionDenied, unauthenticated } from '@careline/runtime';

/** An event that can never be processed: dead-lettered at once. The message names fields, never values. */
export function invalidEvent(message: string): DomainError {
  return new DomainError({ code: 'invalid_event', kind: 'invalid_argument', message, retryable: false });
}

export function conversationNotFound(): DomainError {
  return notFound('conversation_not_found', 'The conversation does not exist.');
}

/**
 * `templates`: the tenant's approved templates (name, languages), so the console can offer them
 * at once; `templateRequired` says the same for clients that only read flags.
 */
export function windowClosed(
  conversationId: string,
  closedAt: Date | null,
  templates: readonly { name: string; languages: string[] }[] = [],
): DomainError {
  return failedPrecondition(
    'window_closed',
    closedAt === null
      ? 'The patient has not written yet, so free text cannot be sent; send a template instead.'
      : 'More than 24 hours since the patient last wrote; send a template instead.',
    {
      details: {
        conversationId,
        windowClosedAt: closedAt === null ? null : closedAt.toISOString(),
        templateRequired: true,
        templates: templates.map((t) => ({ name: t.name, languages: [...t.languages] })),
      },
    },
  );
}

export function optedOut(conversationId: string, reason: 'opted_out' | 'marketing_stopped'): DomainError {
  return failedPrecondition(
    'opted_out',
    reason === 'opted_out'
      ? 'The patient opted out of messages; only essential messages (verification codes, confirmations) are sent.'
      : 'The patient stopped marketing messages in WhatsApp; marketing templates cannot be sent.',
    { details: { conversationId, reason } },
  );
}

export function templateNotFound(name: string): DomainError {
  return notFound('template_not_found', 'No approved template of that name in an acceptable language.', {
    details: { template: /^[a-z0-9_]{1,512}$/.test(name) ? name : '' },
  });
}

export function templateNotApproved(name: string, status: string): DomainError {
  return failedPrecondition('template_not_approved', 'The template is not approved by WhatsApp (yet); it cannot be sent.', {
    details: { template: name, status },
  });
}

export function invalidTemplateParameters(issues: readonly { parameter: string; problem: string }[]): DomainError {
  const first = issues[0];
  return invalidArgument(
    'invalid_template_parameters',
    first === undefined ? 'The template parameters are invalid.' : `Template parameter ${first.parameter}: ${first.problem.replace(/_/g, ' ')}.`,
    { details: { parameter: first?.parameter ?? '', issues: issues.map((i) => ({ parameter: i.parameter, problem: i.problem })) } },
  );
}

export function invalidRecipient(message: string): DomainError {
  return invalidArgument('invalid_recipient', message);
}

export function invalidInteractive(field: string, message: string): DomainError {
  return invalidArgument('invalid_interactive', message, { details: { field } });
}

export function invalidConsent(message: string): DomainError {
  return invalidArgument('invalid_consent', message);
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

export function breakGlassRequired(conversationId: string): DomainError {
  return permissionDenied(
    'break_glass_required',
    'The conversation is restricted: request break-glass access with a reason before opening it.',
    { details: { conversationId } },
  );
}

export function invalidBreakGlass(message: string): DomainError {
  return invalidArgument('invalid_break_glass', message);
}

export function notRestricted(conversationId: string): DomainError {
  return failedPrecondition('not_restricted', 'The conversation is not restricted; open it without break-glass.', {
    details: { conversationId },
  });
}
