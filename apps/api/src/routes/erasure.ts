// Erasure of a patient's messaging data and the tenant's retention policy over REST (issue 7).
// Thin edges: validate, call a use-case, answer. The clinical record (records: patients,
// documents, shares) is kept as the law requires: these routes never touch it.
import type { Router } from '../http/router';
import { conversationParamsSchema } from '../schemas/conversations';
import { eraseBodySchema, erasureSchema, retentionPolicyBodySchema, retentionPolicySchema } from '../schemas/erasure';
import type { ErasureUseCases } from '../use-cases/erasure';

const NOT_FOUND = {
  status: 404,
  description: "`conversation_not_found`: no such conversation in the caller's tenant (another tenant's id answers the same).",
};

export function registerErasureRoutes(router: Router, erasure: ErasureUseCases): void {
  router.route({
    method: 'POST',
    path: '/v1/conversations/{id}/erase',
    operationId: 'erasePatientMessagingData',
    summary: "Erase a patient's messaging data",
    description:
      "Erases the messaging data of the conversation's patient: every conversation of the same WhatsApp number in the hospital, with its messages, media, internal notes and inbox events, and destroys the patient's data key, so that any remaining copy of their encrypted messages (backups) can no longer be decrypted. Irreversible. Kept: the fact of the erasure (ids and counts, never content), the patient's messaging consent (an opt-out must outlive the chat), and the clinical record in records (patients, documents, shares, consent history) as the law requires: this route never touches it. A high-severity audit event `patient.erased`. Repeating the request (by any of the erased conversation ids) answers the first erasure. If the patient writes again, a new conversation starts.",
    tags: ['conversations'],
    access: { permission: 'patients:erase' },
    upstream: true,
    params: conversationParamsSchema,
    body: eraseBodySchema,
    problems: [NOT_FOUND, { status: 400, description: '`invalid_erasure`: messaging refused the reason (10 to 500 characters).' }],
    response: { status: 200, description: 'What was erased (counts and ids).', schema: erasureSchema },
    handler: ({ principal, params, body }) => erasure.erase(principal, params.id, body.reason),
  });
}

export function registerRetentionRoutes(router: Router, erasure: ErasureUseCases): void {
  router.route({
    method: 'GET',
    path: '/v1/admin/retention-policy',
    operationId: 'getRetentionPolicy',
    summary: 'Get the message retention policy',
    description: 'How long messages of closed conversations are kept; 0 days (keep forever) when the hospital never set one.',
    tags: ['admin'],
    access: { permission: 'tenant:admin' },
    upstream: true,
    response: { status: 200, description: 'The policy.', schema: retentionPolicySchema },
    handler: ({ principal }) => erasure.getRetentionPolicy(principal),
  });

  router.route({
    method: 'PUT',
    path: '/v1/admin/retention-policy',
    operationId: 'setRetentionPolicy',
    summary: 'Replace the message retention policy',
    description:
      "Conversations closed longer than `closedConversationDays` are erased by messaging's retention job (as the erase route does, audited `patient.erased` with trigger `retention`); a conversation the patient reopened is kept. The clinical record in records is never affected. Audited `retention.updated`.",
    tags: ['admin'],
    access: { permission: 'tenant:admin' },
    upstream: true,
    body: retentionPolicyBodySchema,
    problems: [{ status: 400, description: '`invalid_retention_policy`: messaging refused the number of days.' }],
    response: { status: 200, description: 'The stored policy.', schema: retentionPolicySchema },
    handler: ({ principal, body }) => erasure.setRetentionPolicy(principal, body.closedConversationDays),
  });
}
