// Hospital administration over REST (`/v1/admin/...`, permission `tenant:admin`): the tenant, its
// WhatsApp numbers, teams and staff. Thin edges: validate (strict bodies: a field naming a tenant
// is refused), call a use-case, answer. The tenant is always the token's.
import type { Router } from '../http/router';
import {
  channelCreateSchema,
  channelListSchema,
  channelParamsSchema,
  channelPatchSchema,
  channelSchema,
  idParamsSchema,
  staffCreateSchema,
  staffListSchema,
  staffPatchSchema,
  staffQuerySchema,
  staffSchema,
  teamCreateSchema,
  teamListSchema,
  teamPatchSchema,
  teamSchema,
  tenantPatchSchema,
  tenantSchema,
} from '../schemas/admin';
import type { AdminUseCases } from '../use-cases/admin';

const TAGS = ['admin'] as const;
const ACCESS = { permission: 'tenant:admin' } as const;
const INVALID = {
  status: 400,
  description: '`invalid_*` (e.g. `invalid_time_zone`, `invalid_roles`, `unknown_team`): the service refused a value; the detail names the field, never the value.',
};

export function registerAdminRoutes(router: Router, admin: AdminUseCases): void {
  router.route({
    method: 'GET',
    path: '/v1/admin/tenant',
    operationId: 'getTenant',
    summary: 'Get the hospital',
    tags: TAGS,
    access: ACCESS,
    upstream: true,
    problems: [{ status: 404, description: '`tenant_not_found`: the tenant of the token was never onboarded.' }],
    response: { status: 200, description: 'The hospital.', schema: tenantSchema },
    handler: ({ principal }) => admin.getTenant(principal),
  });

  router.route({
    method: 'PATCH',
    path: '/v1/admin/tenant',
    operationId: 'updateTenant',
    summary: 'Change the hospital',
    description: 'Name, time zone, default language. Audited (`tenant.updated`).',
    tags: TAGS,
    access: ACCESS,
    upstream: true,
    body: tenantPatchSchema,
    problems: [INVALID, { status: 404, description: '`tenant_not_found`.' }],
    response: { status: 200, description: 'The hospital after the change.', schema: tenantSchema },
    handler: ({ principal, body }) => admin.updateTenant(principal, body),
  });

  router.route({
    method: 'GET',
    path: '/v1/admin/channels',
    operationId: 'listChannels',
    summary: "List the hospital's WhatsApp numbers",
    description: 'Disabled ones included. Credentials are never returned.',
    tags: TAGS,
    access: ACCESS,
    upstream: true,
    response: { status: 200, description: 'The numbers, by phone_number_id.', schema: channelListSchema },
    handler: ({ principal }) => admin.listChannels(principal),
  });

  router.route({
    method: 'POST',
    path: '/v1/admin/channels',
    operationId: 'registerChannel',
    summary: 'Register a WhatsApp number',
    description:
      'The access token and app secret are stored sealed and never returned. The number works on every gateway instance within seconds. Audited (`channel.registered`).',
    tags: TAGS,
    access: ACCESS,
    upstream: true,
    body: channelCreateSchema,
    problems: [
      INVALID,
      {
        status: 409,
        description:
          '`channel_already_registered`: the number is registered (by this or another hospital). `waba_owned_by_another_tenant`: the WhatsApp Business Account belongs to another hospital.',
      },
    ],
    response: { status: 201, description: 'The registered number (without credentials).', schema: channelSchema },
    handler: ({ principal, body }) => admin.registerChannel(principal, body),
  });

  router.route({
    method: 'PATCH',
    path: '/v1/admin/channels/{phoneNumberId}',
    operationId: 'updateChannel',
    summary: 'Rotate credentials, change or disable a WhatsApp number',
    description:
      'Audited: `channel.credentials_rotated` (names the rotated fields, never their values), `channel.updated`, `channel.disabled`, `channel.enabled`.',
    tags: TAGS,
    access: ACCESS,
    upstream: true,
    params: channelParamsSchema,
    body: channelPatchSchema,
    problems: [INVALID, { status: 404, description: "`channel_not_found`: no such number in the caller's hospital (another hospital's answers the same)." }],
    response: { status: 200, description: 'The number after the change (without credentials).', schema: channelSchema },
    handler: ({ principal, params, body }) => admin.updateChannel(principal, params.phoneNumberId, body),
  });

  router.route({
    method: 'GET',
    path: '/v1/admin/teams',
    operationId: 'listTeams',
    summary: 'List teams',
    tags: TAGS,
    access: ACCESS,
    upstream: true,
    response: { status: 200, description: 'The teams, by name.', schema: teamListSchema },
    handler: ({ principal }) => admin.listTeams(principal),
  });

  router.route({
    method: 'POST',
    path: '/v1/admin/teams',
    operationId: 'createTeam',
    summary: 'Create a team',
    description: 'Audited (`team.created`).',
    tags: TAGS,
    access: ACCESS,
    upstream: true,
    body: teamCreateSchema,
    problems: [INVALID, { status: 409, description: '`team_name_taken`: a team of the hospital has this name (any case).' }],
    response: { status: 201, description: 'The new team.', schema: teamSchema },
    handler: ({ principal, body }) => admin.createTeam(principal, body.name),
  });

  router.route({
    method: 'PATCH',
    path: '/v1/admin/teams/{id}',
    operationId: 'updateTeam',
    summary: 'Rename a team',
    description: 'Audited (`team.updated`).',
    tags: TAGS,
    access: ACCESS,
    upstream: true,
    params: idParamsSchema,
    body: teamPatchSchema,
    problems: [INVALID, { status: 404, description: '`team_not_found`.' }, { status: 409, description: '`team_name_taken`.' }],
    response: { status: 200, description: 'The team after the change.', schema: teamSchema },
    handler: ({ principal, params, body }) => admin.updateTeam(principal, params.id, body.name),
  });

  router.route({
    method: 'GET',
    path: '/v1/admin/staff',
    operationId: 'listStaff',
    summary: 'List staff',
    tags: TAGS,
    access: ACCESS,
    upstream: true,
    query: staffQuerySchema,
    response: { status: 200, description: 'The members, by display name.', schema: staffListSchema },
    handler: ({ principal, query }) => admin.listStaff(principal, query.includeInactive),
  });

  router.route({
    method: 'POST',
    path: '/v1/admin/staff',
    operationId: 'addStaff',
    summary: 'Add a staff member',
    description: 'Adds the member with this subject, or updates them if present. Audited (`staff.created`; a change of roles: `staff.roles_changed`).',
    tags: TAGS,
    access: ACCESS,
    upstream: true,
    body: staffCreateSchema,
    problems: [INVALID],
    response: { status: 201, description: 'The member.', schema: staffSchema },
    handler: ({ principal, body }) => admin.addStaff(principal, body),
  });

  router.route({
    method: 'PATCH',
    path: '/v1/admin/staff/{id}',
    operationId: 'updateStaff',
    summary: 'Change or deactivate a staff member',
    description: 'Audited: `staff.updated`, `staff.roles_changed` (roles added and removed), `staff.deactivated`, `staff.reactivated`.',
    tags: TAGS,
    access: ACCESS,
    upstream: true,
    params: idParamsSchema,
    body: staffPatchSchema,
    problems: [INVALID, { status: 404, description: '`staff_not_found`.' }],
    response: { status: 200, description: 'The member after the change.', schema: staffSchema },
    handler: ({ principal, params, body }) => admin.updateStaff(principal, params.id, body),
  });
}
