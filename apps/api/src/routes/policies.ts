// The tenant's policies over REST (`/v1/admin/...`, permission `tenant:admin`): appointment
// reminders (scheduling) and document release (records). Onboarding sets them (issue 8). Thin
// edges: validate (strict, complete bodies), call a use-case, answer. The tenant is the token's.
import type { Router } from '../http/router';
import { releasePolicySchema, reminderPolicySchema } from '../schemas/policies';
import type { PolicyUseCases } from '../use-cases/policies';

const TAGS = ['admin'] as const;
const ACCESS = { permission: 'tenant:admin' } as const;
const INVALID = {
  status: 400,
  description: '`invalid_request`: the service refused a value (e.g. duplicate stage names, quiet hours with one end); the detail names the field.',
};

export function registerPolicyRoutes(router: Router, policies: PolicyUseCases): void {
  router.route({
    method: 'GET',
    path: '/v1/admin/reminder-policy',
    operationId: 'getReminderPolicy',
    summary: 'Get the appointment reminder policy',
    description: 'The default policy when the hospital never set one.',
    tags: TAGS,
    access: ACCESS,
    upstream: true,
    response: { status: 200, description: 'The policy.', schema: reminderPolicySchema },
    handler: ({ principal }) => policies.getReminderPolicy(principal),
  });

  router.route({
    method: 'PUT',
    path: '/v1/admin/reminder-policy',
    operationId: 'setReminderPolicy',
    summary: 'Replace the appointment reminder policy',
    description: 'Applies to reminders planned from then on. Audited by scheduling.',
    tags: TAGS,
    access: ACCESS,
    upstream: true,
    body: reminderPolicySchema,
    problems: [INVALID],
    response: { status: 200, description: 'The stored policy (stages earliest first).', schema: reminderPolicySchema },
    handler: ({ principal, body }) => policies.setReminderPolicy(principal, body),
  });

  router.route({
    method: 'GET',
    path: '/v1/admin/release-policy',
    operationId: 'getReleasePolicy',
    summary: 'Get the document release policy',
    description: 'The default (nothing sent in chat) when the hospital never set one.',
    tags: TAGS,
    access: ACCESS,
    upstream: true,
    response: { status: 200, description: 'The policy.', schema: releasePolicySchema },
    handler: ({ principal }) => policies.getReleasePolicy(principal),
  });

  router.route({
    method: 'PUT',
    path: '/v1/admin/release-policy',
    operationId: 'setReleasePolicy',
    summary: 'Replace the document release policy',
    description: 'Audited by records (`policy.release_changed`).',
    tags: TAGS,
    access: ACCESS,
    upstream: true,
    body: releasePolicySchema,
    problems: [INVALID],
    response: { status: 200, description: 'The stored policy.', schema: releasePolicySchema },
    handler: ({ principal, body }) => policies.setReleasePolicy(principal, body),
  });
}
