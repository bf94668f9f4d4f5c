// The caller's hospital as its staff see it, outside administration: its name and zone (any
// caller; a console's header shows them) and its teams (the care team filters and assigns by team).
// Read-only views of the same directory the admin routes change; messaging checks the roles again.
import type { Router } from '../http/router';
import { teamListSchema, tenantSchema } from '../schemas/admin';
import type { AdminUseCases } from '../use-cases/admin';

const TAGS = ['hospital'] as const;

export function registerHospitalRoutes(router: Router, directory: Pick<AdminUseCases, 'getTenant' | 'listTeams'>): void {
  router.route({
    method: 'GET',
    path: '/v1/tenant',
    operationId: 'getOwnHospital',
    summary: "The caller's hospital",
    description: "Name, time zone and default language of the token's hospital, for every role of it.",
    tags: TAGS,
    access: 'authenticated',
    upstream: true,
    problems: [{ status: 404, description: '`tenant_not_found`: the tenant of the token was never onboarded.' }],
    response: { status: 200, description: 'The hospital.', schema: tenantSchema },
    handler: ({ principal }) => directory.getTenant(principal),
  });

  router.route({
    method: 'GET',
    path: '/v1/teams',
    operationId: 'listOwnTeams',
    summary: "The hospital's teams",
    description: 'Every team of the hospital, by name: what the inbox filters and assigns by.',
    tags: TAGS,
    access: { permission: 'conversations:read' },
    upstream: true,
    response: { status: 200, description: 'The teams, by name.', schema: teamListSchema },
    handler: ({ principal }) => directory.listTeams(principal),
  });
}
