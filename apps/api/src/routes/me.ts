import { permissionsForRoles } from '@careline/auth';
import type { Router } from '../http/router';
import { meSchema } from '../schemas/me';

export function registerMeRoutes(router: Router): void {
  router.route({
    method: 'GET',
    path: '/v1/me',
    operationId: 'getMe',
    summary: 'Who am I',
    description: 'The subject, tenant, roles and permissions of the bearer token.',
    tags: ['me'],
    access: 'authenticated',
    response: { status: 200, description: 'The caller.', schema: meSchema },
    handler: ({ principal }) => ({
      subject: principal.subject,
      tenantId: principal.tenantId,
      name: principal.name ?? null,
      roles: [...principal.roles],
      permissions: permissionsForRoles(principal.roles),
      expiresAt: principal.expiresAt.toISOString(),
    }),
  });
}
