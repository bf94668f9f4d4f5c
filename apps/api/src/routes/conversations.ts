// The inbox over REST: thin edges that validate, call a use-case and answer. The tenant is never
// read from the request: it is the token's (the schemas strip a `tenantId` a client might send).
import { invalidArgument } from '@careline/runtime';
import type { Router } from '../http/router';
import { pageQuerySchema } from '../schemas/common';
import {
  breakGlassBodySchema,
  breakGlassGrantSchema,
  conversationPageSchema,
  conversationParamsSchema,
  conversationSchema,
  restrictionBodySchema,
} from '../schemas/conversations';
import {
  messagePageSchema,
  messageSchema,
  sendTextBodySchema,
  sendTextHeadersSchema,
} from '../schemas/messages';
import type { InboxUseCases } from '../use-cases';
import { conversationListQuerySchema } from '../schemas/inbox';

const BREAK_GLASS_REQUIRED = {
  status: 403,
  description:
    '`break_glass_required`: the conversation is restricted; request break-glass access (`POST /v1/conversations/{id}/break-glass`) first.',
};

const NOT_FOUND = {
  status: 404,
  description:
    "`conversation_not_found`: no such conversation in the caller's tenant (another tenant's id answers the same).",
};

export function registerConversationRoutes(router: Router, inbox: InboxUseCases): void {
  router.route({
    method: 'GET',
    path: '/v1/conversations',
    operationId: 'listConversations',
    summary: 'List conversations',
    description: "The caller's tenant's conversations, most recent activity first.",
    tags: ['conversations'],
    access: { permission: 'conversations:read' },
    upstream: true,
    // paging plus the inbox filters (status, assignee, teamId, unread): schemas/inbox.ts
    query: conversationListQuerySchema,
    response: { status: 200, description: 'A page of conversations.', schema: conversationPageSchema },
    handler: ({ principal, query }) => inbox.listConversations(principal, query),
  });

  router.route({
    method: 'GET',
    path: '/v1/conversations/{id}',
    operationId: 'getConversation',
    summary: 'Get a conversation',
    tags: ['conversations'],
    access: { permission: 'conversations:read' },
    upstream: true,
    params: conversationParamsSchema,
    problems: [NOT_FOUND, BREAK_GLASS_REQUIRED],
    response: { status: 200, description: 'The conversation.', schema: conversationSchema },
    handler: ({ principal, params }) => inbox.getConversation(principal, params.id),
  });

  router.route({
    method: 'GET',
    path: '/v1/conversations/{id}/messages',
    operationId: 'listMessages',
    summary: "List a conversation's messages",
    description: 'Newest first; each with its direction, content and delivery status.',
    tags: ['conversations'],
    access: { permission: 'conversations:read' },
    upstream: true,
    params: conversationParamsSchema,
    query: pageQuerySchema,
    problems: [NOT_FOUND, BREAK_GLASS_REQUIRED],
    response: { status: 200, description: 'A page of messages.', schema: messagePageSchema },
    handler: ({ principal, params, query }) => inbox.listMessages(principal, params.id, query),
  });

  router.route({
    method: 'POST',
    path: '/v1/conversations/{id}/messages',
    operationId: 'sendText',
    summary: 'Reply with text',
    description:
      "Queues a free-text reply to the conversation's patient; its delivery then shows in the message's `status`. Free text is allowed only inside WhatsApp's 24-hour customer-service window (`windowOpen` on the conversation). Repeating a request with the same idempotency key returns the first request's message and sends nothing more.",
    tags: ['conversations'],
    access: { permission: 'messages:send' },
    upstream: true,
    params: conversationParamsSchema,
    headers: sendTextHeadersSchema,
    body: sendTextBodySchema,
    problems: [
      NOT_FOUND,
      BREAK_GLASS_REQUIRED,
      {
        status: 400,
        description:
          '`idempotency_key_mismatch`: the `Idempotency-Key` header and `idempotencyKey` differ. `invalid_text`: messaging refused the text.',
      },
      {
        status: 409,
        description:
          "`window_closed`: the patient's last message is more than 24 hours old (`details.windowClosedAt` says when the window closed; null if the patient never wrote): send a template instead. `opted_out`: the patient opted out.",
      },
    ],
    response: { status: 202, description: 'The queued message.', schema: messageSchema },
    handler: ({ principal, params, headers, body }) => {
      const fromHeader = headers['idempotency-key'];
      if (
        fromHeader !== undefined &&
        body.idempotencyKey !== undefined &&
        fromHeader !== body.idempotencyKey
      ) {
        throw invalidArgument(
          'idempotency_key_mismatch',
          'The Idempotency-Key header and idempotencyKey differ.',
        );
      }
      return inbox.sendText(principal, {
        conversationId: params.id,
        text: body.text,
        idempotencyKey: fromHeader ?? body.idempotencyKey,
        replyToMessageId: body.replyToMessageId,
      });
    },
  });

  router.route({
    method: 'PUT',
    path: '/v1/conversations/{id}/restriction',
    operationId: 'setConversationRestriction',
    summary: 'Restrict a conversation, or lift the restriction',
    description:
      "For a sensitive patient (a member of staff, a public figure, a protected case): while restricted, lists show the conversation without the patient's name, number or preview, and opening or answering it needs break-glass. The change is an audit event.",
    tags: ['conversations'],
    access: { permission: 'conversations:restrict' },
    upstream: true,
    params: conversationParamsSchema,
    body: restrictionBodySchema,
    problems: [NOT_FOUND],
    response: { status: 200, description: 'The conversation after the change.', schema: conversationSchema },
    handler: ({ principal, params, body }) => inbox.setRestriction(principal, params.id, body.restricted),
  });

  router.route({
    method: 'POST',
    path: '/v1/conversations/{id}/break-glass',
    operationId: 'breakGlass',
    summary: 'Break-glass: emergency access to a restricted conversation',
    description:
      'Opens one restricted conversation to the caller alone, for at most 60 minutes, with a reason and a written justification. The grant is a high-severity audit event, and every read or reply under it is audited with the grant id.',
    tags: ['conversations'],
    access: { permission: 'break_glass' },
    upstream: true,
    params: conversationParamsSchema,
    body: breakGlassBodySchema,
    problems: [
      NOT_FOUND,
      { status: 400, description: '`invalid_break_glass`: messaging refused the reason, justification or duration.' },
      { status: 409, description: '`not_restricted`: the conversation is not restricted; open it without break-glass.' },
    ],
    response: { status: 201, description: 'The grant.', schema: breakGlassGrantSchema },
    handler: ({ principal, params, body }) => inbox.breakGlass(principal, params.id, body),
  });
}
