// The care team's inbox routes: assignment, state, internal notes, "opened" (read receipts), and
// the tenant's routing rules (admin). Thin edges: validate, call a use-case, answer.
import type { Router } from '../http/router';
import { conversationParamsSchema, conversationSchema } from '../schemas/conversations';
import {
  assignBodySchema,
  noteBodySchema,
  noteListSchema,
  noteSchema,
  routingRulesSchema,
  routingRulesViewSchema,
  stateBodySchema,
} from '../schemas/inbox';
import type { InboxRouteUseCases } from '../use-cases/inbox';

const NOT_FOUND = {
  status: 404,
  description: "`conversation_not_found`: no such conversation in the caller's tenant (another tenant's id answers the same).",
};
const BREAK_GLASS_REQUIRED = {
  status: 403,
  description: '`break_glass_required`: the conversation is restricted; request break-glass access first.',
};

export function registerInboxRoutes(router: Router, inbox: InboxRouteUseCases): void {
  router.route({
    method: 'POST',
    path: '/v1/conversations/{id}/assign',
    operationId: 'assignConversation',
    summary: 'Assign a conversation to a member of staff and/or a team',
    description:
      'Sets who handles the conversation. `assignee` is the staff member\'s identity-provider subject (an active member of the hospital\'s staff). Without `teamId` the current team stays; with neither, the assignment is cleared. The change is an audit event and is pushed on `/v1/stream`.',
    tags: ['inbox'],
    access: { permission: 'conversations:assign' },
    upstream: true,
    params: conversationParamsSchema,
    body: assignBodySchema,
    problems: [
      NOT_FOUND,
      { status: 400, description: '`unknown_assignee`: no active member of staff has that subject. `unknown_team`: not a team of the hospital.' },
    ],
    response: { status: 200, description: 'The conversation after the change.', schema: conversationSchema },
    handler: ({ principal, params, body }) => inbox.assign(principal, params.id, body),
  });

  router.route({
    method: 'POST',
    path: '/v1/conversations/{id}/state',
    operationId: 'setConversationState',
    summary: 'Open, park (pending) or close a conversation',
    description:
      'Closing records the resolution time (`resolutionSeconds`); a new patient message reopens a closed or pending conversation by itself. Audited; pushed on `/v1/stream`.',
    tags: ['inbox'],
    access: { permission: 'conversations:assign' },
    upstream: true,
    params: conversationParamsSchema,
    body: stateBodySchema,
    problems: [NOT_FOUND],
    response: { status: 200, description: 'The conversation after the change.', schema: conversationSchema },
    handler: ({ principal, params, body }) => inbox.setState(principal, params.id, body.status),
  });

  router.route({
    method: 'GET',
    path: '/v1/conversations/{id}/notes',
    operationId: 'listNotes',
    summary: "List a conversation's internal notes",
    description: 'Notes of the care team, oldest first (at most 500). Never sent to the patient.',
    tags: ['inbox'],
    access: { permission: 'conversations:read' },
    upstream: true,
    params: conversationParamsSchema,
    problems: [NOT_FOUND, BREAK_GLASS_REQUIRED],
    response: { status: 200, description: 'The notes.', schema: noteListSchema },
    handler: ({ principal, params }) => inbox.listNotes(principal, params.id),
  });

  router.route({
    method: 'POST',
    path: '/v1/conversations/{id}/notes',
    operationId: 'addNote',
    summary: 'Add an internal note',
    description: 'Seen by the care team only; stored encrypted. Audited; pushed on `/v1/stream`.',
    tags: ['inbox'],
    access: { permission: 'messages:send' },
    upstream: true,
    params: conversationParamsSchema,
    body: noteBodySchema,
    problems: [NOT_FOUND, BREAK_GLASS_REQUIRED, { status: 400, description: '`invalid_note`: messaging refused the text.' }],
    response: { status: 201, description: 'The note.', schema: noteSchema },
    handler: ({ principal, params, body }) => inbox.addNote(principal, params.id, body.body),
  });

  router.route({
    method: 'POST',
    path: '/v1/conversations/{id}/read',
    operationId: 'markConversationRead',
    summary: 'Mark a conversation read (the console opened it)',
    description:
      "Sets `unreadCount` to 0 and marks the patient's latest message read on WhatsApp (the patient sees blue ticks on it and the earlier ones). Call it when a member of staff opens the conversation. Audited; pushed on `/v1/stream`.",
    tags: ['inbox'],
    access: { permission: 'conversations:read' },
    upstream: true,
    params: conversationParamsSchema,
    problems: [NOT_FOUND, BREAK_GLASS_REQUIRED],
    response: { status: 200, description: 'The conversation after the change.', schema: conversationSchema },
    handler: ({ principal, params }) => inbox.markRead(principal, params.id),
  });

  router.route({
    method: 'GET',
    path: '/v1/admin/routing',
    operationId: 'getRoutingRules',
    summary: "The hospital's routing rules",
    description: 'Greeting menu, keywords, default team and per-team first-response targets.',
    tags: ['admin'],
    access: { permission: 'tenant:admin' },
    upstream: true,
    response: { status: 200, description: 'The rules (never set: routing off).', schema: routingRulesViewSchema },
    handler: ({ principal }) => inbox.getRoutingRules(principal),
  });

  router.route({
    method: 'PUT',
    path: '/v1/admin/routing',
    operationId: 'setRoutingRules',
    summary: "Replace the hospital's routing rules",
    description:
      'A new (or reopened) conversation without a team is routed: a keyword in the patient\'s message picks its team; otherwise the greeting menu is sent (as text: "1 – Appointments …") and the answer picks the team; "0", "agent", "talk to a human" and anything unmatched go to the default team. Audited.',
    tags: ['admin'],
    access: { permission: 'tenant:admin' },
    upstream: true,
    body: routingRulesSchema,
    problems: [
      {
        status: 400,
        description: '`invalid_routing_rules` (`details.field` names it), `unknown_team`: a team id that is not a team of the hospital.',
      },
    ],
    response: { status: 200, description: 'The rules as stored.', schema: routingRulesViewSchema },
    handler: ({ principal, body }) => inbox.setRoutingRules(principal, body),
  });
}
