// Templates and consent over REST: the hospital's template registry (and a sync from WhatsApp),
// sending a template in a conversation (the way to write to a patient outside the 24-hour
// window), and the patient's consent. Thin edges: validate, call a use-case, answer.
import { invalidArgument } from '@careline/runtime';
import type { Router } from '../http/router';
import { conversationParamsSchema } from '../schemas/conversations';
import { sendTextHeadersSchema } from '../schemas/messages';
import {
  consentSchema,
  sendTemplateBodySchema,
  sentTemplateSchema,
  setConsentBodySchema,
  templateListQuerySchema,
  templateListSchema,
  templateSyncSchema,
} from '../schemas/templates';
import type { TemplateUseCases } from '../use-cases/templates';

const NOT_FOUND = {
  status: 404,
  description:
    "`conversation_not_found`: no such conversation in the caller's tenant. `template_not_found`: no approved template of that name in an acceptable language.",
};
const BREAK_GLASS_REQUIRED = {
  status: 403,
  description: '`break_glass_required`: the conversation is restricted; request break-glass access first.',
};

export function registerTemplateRoutes(router: Router, templates: TemplateUseCases): void {
  router.route({
    method: 'GET',
    path: '/v1/templates',
    operationId: 'listTemplates',
    summary: "List the hospital's WhatsApp templates",
    description:
      'The template registry, synced from WhatsApp: every name and language with its category, approval status, placeholders and buttons. Outside the 24-hour window only approved templates can be sent.',
    tags: ['templates'],
    access: { permission: 'messages:send' },
    upstream: true,
    query: templateListQuerySchema,
    response: { status: 200, description: 'The templates.', schema: templateListSchema },
    handler: ({ principal, query }) => templates.listTemplates(principal, query),
  });

  router.route({
    method: 'POST',
    path: '/v1/templates/sync',
    operationId: 'syncTemplates',
    summary: 'Sync the templates from WhatsApp',
    description: "Reads every template of the hospital's WhatsApp Business Accounts now (approval status included).",
    tags: ['templates'],
    access: { permission: 'tenant:admin' },
    upstream: true,
    problems: [
      {
        status: 409,
        description:
          "`channel_credentials_rejected`: WhatsApp refused the number's access token (an administrator must update it); `whatsapp_account_unavailable`: WhatsApp refused access to the business account.",
      },
      { status: 503, description: '`service_unavailable`: WhatsApp or the gateway did not answer; try again.' },
    ],
    response: { status: 200, description: 'What the sync found.', schema: templateSyncSchema },
    handler: ({ principal }) => templates.syncTemplates(principal),
  });

  router.route({
    method: 'POST',
    path: '/v1/conversations/{id}/templates',
    operationId: 'sendTemplate',
    summary: 'Send a template',
    description:
      "Queues an approved WhatsApp template to the conversation's patient; allowed at any time (also outside the 24-hour window). Parameters are checked against the template before anything is sent. The language: the patient's preferred one if the template has it, else `languageCode` (exact, then the same base language), else the hospital's default, else en_US.",
    tags: ['conversations', 'templates'],
    access: { permission: 'messages:send' },
    upstream: true,
    params: conversationParamsSchema,
    headers: sendTextHeadersSchema,
    body: sendTemplateBodySchema,
    problems: [
      NOT_FOUND,
      BREAK_GLASS_REQUIRED,
      {
        status: 400,
        description:
          '`invalid_template_parameters`: a parameter is missing, unknown or breaks WhatsApp’s rules (`details.parameter` names it, never its value). `idempotency_key_mismatch`.',
      },
      {
        status: 409,
        description:
          '`opted_out`: the patient opted out (or stopped marketing messages, for a marketing template). `template_not_approved`: the template is not approved.',
      },
    ],
    response: { status: 202, description: 'The queued message.', schema: sentTemplateSchema },
    handler: ({ principal, params, headers, body }) => {
      const fromHeader = headers['idempotency-key'];
      if (fromHeader !== undefined && body.idempotencyKey !== undefined && fromHeader !== body.idempotencyKey) {
        throw invalidArgument('idempotency_key_mismatch', 'The Idempotency-Key header and idempotencyKey differ.');
      }
      return templates.sendTemplate(principal, params.id, body, fromHeader ?? body.idempotencyKey);
    },
  });

  router.route({
    method: 'GET',
    path: '/v1/conversations/{id}/consent',
    operationId: 'getConsent',
    summary: "The patient's consent",
    description: 'Opted in or out (and how, when), the marketing stop set in WhatsApp, the preferred language and the history of changes.',
    tags: ['conversations'],
    access: { permission: 'conversations:read' },
    upstream: true,
    params: conversationParamsSchema,
    problems: [NOT_FOUND, BREAK_GLASS_REQUIRED],
    response: { status: 200, description: 'The consent.', schema: consentSchema },
    handler: ({ principal, params }) => templates.getConsent(principal, params.id),
  });

  router.route({
    method: 'PUT',
    path: '/v1/conversations/{id}/consent',
    operationId: 'setConsent',
    summary: "Record the patient's consent",
    description:
      'Records an opt-in with its source (e.g. a signed form: `staff`), or an opt-out, and/or the preferred language. Every change is an audit event.',
    tags: ['conversations'],
    access: { permission: 'messages:send' },
    upstream: true,
    params: conversationParamsSchema,
    body: setConsentBodySchema,
    problems: [NOT_FOUND, BREAK_GLASS_REQUIRED],
    response: { status: 200, description: 'The consent after the change.', schema: consentSchema },
    handler: ({ principal, params, body }) => templates.setConsent(principal, params.id, body),
  });
}
