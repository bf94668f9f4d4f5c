// An in-memory TenantDirectoryService for the api's tests, following
// proto/careline/messaging/v1/directory.proto: everything scoped to the caller's tenant, another
// tenant's team or staff member NOT_FOUND, team names unique per tenant (any case). The real
// directory runs in messaging's integration tests and the end-to-end suite.
import { randomUUID } from 'node:crypto';
import { type StaffMember, type Team, type Tenant, TenantStatus, type UpsertStaffRequest } from '@careline/contracts';
import { type Caller, conflict, invalidArgument, notFound, unauthenticated } from '@careline/runtime';
import type { DirectoryClient } from '../grpc/directory-client';

export interface RecordedDirectoryCall {
  method: keyof Omit<DirectoryClient, 'close'>;
  caller: Caller;
  request: unknown;
}

export interface FakeDirectory {
  client: DirectoryClient;
  calls: RecordedDirectoryCall[];
  addTenant(tenantId: string, overrides?: Partial<Tenant>): Tenant;
  addTeam(tenantId: string, name: string): Team;
  addStaff(tenantId: string, overrides?: Partial<StaffMember>): StaffMember;
}

export function createFakeDirectory(): FakeDirectory {
  const tenants = new Map<string, Tenant>();
  const teams = new Map<string, Team & { tenantId: string }>();
  const staff = new Map<string, StaffMember & { tenantId: string }>();
  const calls: RecordedDirectoryCall[] = [];

  const tenantOf = (caller: Caller): string => {
    if (caller.tenantId === undefined) throw unauthenticated('tenant_required', 'x-careline-tenant is required.');
    return caller.tenantId;
  };
  const strip = <T extends { tenantId: string }>(value: T): Omit<T, 'tenantId'> => {
    const { tenantId: _tenantId, ...rest } = value;
    return rest;
  };
  const run = <T>(method: RecordedDirectoryCall['method'], caller: Caller, request: unknown, fn: (tenantId: string) => T): Promise<T> => {
    calls.push({ method, caller, request });
    try {
      return Promise.resolve(fn(tenantOf(caller)));
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new Error('fake directory failed'));
    }
  };
  const ownTenant = (tenantId: string): Tenant => {
    const tenant = tenants.get(tenantId);
    if (tenant === undefined) throw notFound('tenant_not_found', 'No such tenant.');
    return tenant;
  };
  const ownTeam = (tenantId: string, teamId: string) => {
    const team = teams.get(teamId);
    if (team?.tenantId !== tenantId) throw notFound('team_not_found', 'No such team.');
    return team;
  };
  const ownStaff = (tenantId: string, staffId: string) => {
    const member = staff.get(staffId);
    if (member?.tenantId !== tenantId) throw notFound('staff_not_found', 'No such staff member.');
    return member;
  };
  const nameTaken = (tenantId: string, name: string, except?: string) =>
    [...teams.values()].some((t) => t.tenantId === tenantId && t.id !== except && t.name.toLowerCase() === name.toLowerCase());

  const fake: FakeDirectory = {
    calls,
    addTenant(tenantId, overrides = {}) {
      const now = new Date();
      const tenant: Tenant = {
        id: tenantId,
        name: 'Demo Hospital',
        timeZone: 'Europe/Madrid',
        defaultLanguage: 'es',
        status: TenantStatus.TENANT_STATUS_ACTIVE,
        createdAt: now,
        updatedAt: now,
        ...overrides,
      };
      tenants.set(tenantId, tenant);
      return tenant;
    },
    addTeam(tenantId, name) {
      const now = new Date();
      const team = { id: randomUUID(), name, createdAt: now, updatedAt: now, tenantId };
      teams.set(team.id, team);
      return strip(team);
    },
    addStaff(tenantId, overrides = {}) {
      const now = new Date();
      const member = {
        id: randomUUID(),
        subject: `user-${randomUUID()}`,
        displayName: 'Nora Nurse',
        email: '',
        roles: ['nurse'],
        teamIds: [],
        active: true,
        createdAt: now,
        updatedAt: now,
        ...overrides,
        tenantId,
      };
      staff.set(member.id, member);
      return strip(member);
    },
    client: {
      getTenant: (caller) => run('getTenant', caller, {}, (tenantId) => ({ tenant: ownTenant(tenantId) })),
      updateTenant: (caller, request) =>
        run('updateTenant', caller, request, (tenantId) => {
          const tenant = ownTenant(tenantId);
          if (request.name !== undefined) tenant.name = request.name;
          if (request.timeZone !== undefined) tenant.timeZone = request.timeZone;
          if (request.defaultLanguage !== undefined) tenant.defaultLanguage = request.defaultLanguage;
          return { tenant };
        }),
      createTeam: (caller, request) =>
        run('createTeam', caller, request, (tenantId) => {
          ownTenant(tenantId);
          if (nameTaken(tenantId, request.name)) throw conflict('team_name_taken', 'Name taken.');
          return { team: fake.addTeam(tenantId, request.name) };
        }),
      listTeams: (caller) =>
        run('listTeams', caller, {}, (tenantId) => ({ teams: [...teams.values()].filter((t) => t.tenantId === tenantId).map(strip) })),
      updateTeam: (caller, request) =>
        run('updateTeam', caller, request, (tenantId) => {
          const team = ownTeam(tenantId, request.teamId);
          if (request.name !== undefined) {
            if (nameTaken(tenantId, request.name, team.id)) throw conflict('team_name_taken', 'Name taken.');
            team.name = request.name;
          }
          return { team: strip(team) };
        }),
      upsertStaff: (caller, request: UpsertStaffRequest) =>
        run('upsertStaff', caller, request, (tenantId) => {
          ownTenant(tenantId);
          if (request.setTeamIds) for (const id of request.teamIds) if (teams.get(id)?.tenantId !== tenantId) throw invalidArgument('unknown_team', 'Unknown team.');
          const existing =
            request.staffId !== ''
              ? ownStaff(tenantId, request.staffId)
              : [...staff.values()].find((m) => m.tenantId === tenantId && m.subject === request.subject);
          if (existing === undefined) {
            const created = fake.addStaff(tenantId, {
              subject: request.subject,
              displayName: request.displayName ?? '',
              email: request.email ?? '',
              roles: request.roles,
              teamIds: request.teamIds,
            });
            return { staff: created, created: true };
          }
          if (request.displayName !== undefined) existing.displayName = request.displayName;
          if (request.email !== undefined) existing.email = request.email;
          if (request.setRoles) existing.roles = request.roles;
          if (request.setTeamIds) existing.teamIds = request.teamIds;
          if (request.active !== undefined) existing.active = request.active;
          return { staff: strip(existing), created: false };
        }),
      listStaff: (caller, request) =>
        run('listStaff', caller, request, (tenantId) => ({
          staff: [...staff.values()].filter((m) => m.tenantId === tenantId && (m.active || request.includeInactive)).map(strip),
        })),
      deactivateStaff: (caller, request) =>
        run('deactivateStaff', caller, request, (tenantId) => {
          const member = ownStaff(tenantId, request.staffId);
          member.active = false;
          return { staff: strip(member) };
        }),
      close: () => undefined,
    },
  };
  return fake;
}
