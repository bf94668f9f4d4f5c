// The inbox over REST: thin edges that validate, call a use-case and answer. The tenant is never
// read from the request: it is the token's (the schemas strip a `tenantId` a client might send).
import { invalidArgument } from '@careline/runtime';
import type { Router } from '../http/router';
import { pageQuerySchema } from '../schemas/common';
import {
  conversationPageSchema,
  conversationParamsSchema,
  conversationSchema,
} from '../schemas/conversations';
import {
  messagePageSchema,
  messageSchema,
  sendTextBodySchema,
  sendTextHeadersSchema,
} from '../schemas/messages';
import type { InboxUseCases } from '../use-cases';

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
    query: pageQuerySchema,
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
    problems: [NOT_FOUND],
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
    problems: [NOT_FOUND],
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
}
