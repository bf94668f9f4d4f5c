// TenantDirectoryService's use-cases: the hospital, its teams, its staff. Each tenant call runs in
// withTenant(caller's tenant) and checks the role first; a refusal for lack of the role is audited
// (denied) in its own committed transaction before the error leaves. Every change enqueues its
// audit event(s) in the change's transaction. Reads are not audited: they touch no patient data.
import { randomUUID } from 'node:crypto';
import {
  type CreateTeamRequest,
  type CreateTenantRequest,
  type DeactivateStaffRequest,
  type ListStaffRequest,
  type StaffMember,
  type Team,
  type Tenant,
  TenantStatus,
  type UpdateTeamRequest,
  type UpdateTenantRequest,
  type UpsertStaffRequest,
} from '@careline/contracts';
import { type Pool, isUuid, withTenant } from '@careline/db';
import { type Logger, conflict, invalidArgument, notFound } from '@careline/runtime';
import {
  type StaffRow,
  type StaffValues,
  type TeamRow,
  type TenantRow,
  type TenantStatusValue,
  countTeams,
  findStaff,
  findTeam,
  findTeamByName,
  getTenant,
  insertStaff,
  insertTeam,
  insertTenant,
  listAllTenants,
  listStaff,
  listTeams,
  renameTeam,
  setStaffTeams,
  updateStaff,
  updateTenant,
} from '../db/directory';
import { DIRECTORY_AUDIT_ACTIONS, type DirectoryAuditAction, recordDirectoryAudit } from './audit';
import { type DirectoryCaller, type PlatformCaller, isDirectoryAdmin, isPlatformOperator, isTeamReader, platformOperatorRequired, tenantAdminRequired } from './caller';
import { DEFAULT_LANGUAGE, checkEmail, checkIds, checkLanguage, checkName, checkRoles, checkSubject, checkTimeZone } from './validation';

export interface DirectoryDeps {
  pool: Pool;
  clock: () => Date;
  logger: Logger;
}

const TENANT_STATUS: Record<TenantStatusValue, TenantStatus> = {
  active: TenantStatus.TENANT_STATUS_ACTIVE,
  suspended: TenantStatus.TENANT_STATUS_SUSPENDED,
};

export function tenantView(row: TenantRow): Tenant {
  return {
    id: row.tenant_id,
    name: row.name,
    timeZone: row.time_zone,
    defaultLanguage: row.default_language,
    status: TENANT_STATUS[row.status],
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

export function teamView(row: TeamRow): Team {
  return { id: row.id, name: row.name, createdAt: row.created_at, updatedAt: row.updated_at };
}

export function staffView(row: StaffRow): StaffMember {
  return {
    id: row.id,
    subject: row.subject,
    displayName: row.display_name,
    email: row.email ?? '',
    roles: row.roles,
    teamIds: row.team_ids,
    active: row.active,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

const tenantNotFound = () => notFound('tenant_not_found', "The caller's tenant is not in the directory.");
const teamNotFound = () => notFound('team_not_found', 'No such team in the tenant.');
const staffNotFound = () => notFound('staff_not_found', 'No such staff member in the tenant.');
const teamNameTaken = () => conflict('team_name_taken', 'A team of this tenant already has this name.');

function statusValue(status: TenantStatus): TenantStatusValue | undefined {
  switch (status) {
    case TenantStatus.TENANT_STATUS_ACTIVE:
      return 'active';
    case TenantStatus.TENANT_STATUS_SUSPENDED:
      return 'suspended';
    case TenantStatus.TENANT_STATUS_UNSPECIFIED:
      return undefined;
    case TenantStatus.UNRECOGNIZED:
      throw invalidArgument('invalid_status', 'status must be ACTIVE or SUSPENDED.');
  }
}

export function createDirectoryUseCases(deps: DirectoryDeps) {
  const { pool, clock, logger } = deps;

  /** Refuses a caller without the role, leaving a `denied` record of the attempt. */
  async function authorize(caller: DirectoryCaller, action: DirectoryAuditAction, resource: { type: 'tenant' | 'team' | 'staff'; id: string }) {
    if (isDirectoryAdmin(caller)) return;
    await withTenant(pool, caller.tenantId, (client) =>
      recordDirectoryAudit(client, caller, { action, resource, outcome: 'denied', detail: { reason: 'permission_denied' }, at: clock() }),
    );
    throw tenantAdminRequired();
  }

  function requireReader(caller: DirectoryCaller): void {
    if (!isDirectoryAdmin(caller)) throw tenantAdminRequired();
  }

  async function createTenant(caller: PlatformCaller, request: CreateTenantRequest): Promise<Tenant> {
    const name = checkName('name', request.name, 200);
    const timeZone = checkTimeZone(request.timeZone);
    const defaultLanguage = checkLanguage(request.defaultLanguage === '' ? DEFAULT_LANGUAGE : request.defaultLanguage);
    if (request.tenantId !== '' && !isUuid(request.tenantId)) throw invalidArgument('invalid_tenant_id', 'tenant_id must be a UUID or empty.');
    const tenantId = request.tenantId === '' ? randomUUID() : request.tenantId.toLowerCase();
    const at = clock();
    // The new tenant is the transaction's tenant: its own row passes the isolation policy.
    const row = await withTenant(pool, tenantId, async (client) => {
      const inserted = await insertTenant(client, { tenantId, name, timeZone, defaultLanguage }, at);
      if (inserted === undefined) throw conflict('tenant_exists', 'A tenant with this id exists.', { details: { tenantId } });
      await recordDirectoryAudit(client, { tenantId, actor: caller.actor, roles: caller.roles }, {
        action: DIRECTORY_AUDIT_ACTIONS.tenantCreated,
        resource: { type: 'tenant', id: tenantId },
        outcome: 'success',
        at,
      });
      return inserted;
    });
    logger.info({ tenant_id: tenantId, actor: caller.actor }, 'tenant created');
    return tenantView(row);
  }

  async function listTenants(): Promise<Tenant[]> {
    return (await listAllTenants(pool)).map(tenantView);
  }

  // Any caller of the hospital may read its name and zone (the console's header shows them).
  async function getTenantOf(caller: DirectoryCaller): Promise<Tenant> {
    const row = await withTenant(pool, caller.tenantId, (client) => getTenant(client, caller.tenantId));
    if (row === undefined) throw tenantNotFound();
    return tenantView(row);
  }

  async function updateTenantOf(caller: DirectoryCaller, request: UpdateTenantRequest): Promise<Tenant> {
    await authorize(caller, DIRECTORY_AUDIT_ACTIONS.tenantUpdated, { type: 'tenant', id: caller.tenantId });
    const status = statusValue(request.status);
    // A hospital's administrators run the hospital; suspending it is the platform's decision.
    if (status !== undefined && !isPlatformOperator(caller)) throw platformOperatorRequired();
    const patch = {
      ...(request.name === undefined ? {} : { name: checkName('name', request.name, 200) }),
      ...(request.timeZone === undefined ? {} : { timeZone: checkTimeZone(request.timeZone) }),
      ...(request.defaultLanguage === undefined ? {} : { defaultLanguage: checkLanguage(request.defaultLanguage) }),
      ...(status === undefined ? {} : { status }),
    };
    const at = clock();
    const row = await withTenant(pool, caller.tenantId, async (client) => {
      const before = await getTenant(client, caller.tenantId);
      if (before === undefined) throw tenantNotFound();
      const fields = [
        patch.name !== undefined && patch.name !== before.name ? 'name' : undefined,
        patch.timeZone !== undefined && patch.timeZone !== before.time_zone ? 'time_zone' : undefined,
        patch.defaultLanguage !== undefined && patch.defaultLanguage !== before.default_language ? 'default_language' : undefined,
        patch.status !== undefined && patch.status !== before.status ? 'status' : undefined,
      ].filter((field): field is string => field !== undefined);
      if (fields.length === 0) return before;
      const after = await updateTenant(client, caller.tenantId, patch, at);
      if (after === undefined) throw tenantNotFound();
      await recordDirectoryAudit(client, caller, {
        action: DIRECTORY_AUDIT_ACTIONS.tenantUpdated,
        resource: { type: 'tenant', id: caller.tenantId },
        outcome: 'success',
        detail: { fields: fields.join(','), ...(fields.includes('status') ? { status: after.status } : {}) },
        at,
      });
      return after;
    });
    return tenantView(row);
  }

  async function createTeam(caller: DirectoryCaller, request: CreateTeamRequest): Promise<Team> {
    await authorize(caller, DIRECTORY_AUDIT_ACTIONS.teamCreated, { type: 'team', id: '' });
    const name = checkName('name', request.name, 100);
    const at = clock();
    const row = await withTenant(pool, caller.tenantId, async (client) => {
      if ((await getTenant(client, caller.tenantId)) === undefined) throw tenantNotFound();
      const team = await insertTeam(client, caller.tenantId, { id: randomUUID(), name }, at);
      if (team === undefined) throw teamNameTaken();
      await recordDirectoryAudit(client, caller, {
        action: DIRECTORY_AUDIT_ACTIONS.teamCreated,
        resource: { type: 'team', id: team.id },
        outcome: 'success',
        at,
      });
      return team;
    });
    return teamView(row);
  }

  async function listTeamsOf(caller: DirectoryCaller): Promise<Team[]> {
    if (!isTeamReader(caller)) throw tenantAdminRequired();
    return (await withTenant(pool, caller.tenantId, (client) => listTeams(client, caller.tenantId))).map(teamView);
  }

  async function updateTeam(caller: DirectoryCaller, request: UpdateTeamRequest): Promise<Team> {
    if (!isUuid(request.teamId)) throw teamNotFound();
    const teamId = request.teamId.toLowerCase();
    await authorize(caller, DIRECTORY_AUDIT_ACTIONS.teamUpdated, { type: 'team', id: teamId });
    const name = request.name === undefined ? undefined : checkName('name', request.name, 100);
    const at = clock();
    const row = await withTenant(pool, caller.tenantId, async (client) => {
      const before = await findTeam(client, caller.tenantId, teamId);
      if (before === undefined) throw teamNotFound();
      if (name === undefined || name === before.name) return before;
      const clash = await findTeamByName(client, caller.tenantId, name);
      if (clash !== undefined && clash.id !== teamId) throw teamNameTaken();
      const after = await renameTeam(client, caller.tenantId, teamId, name, at);
      if (after === undefined) throw teamNotFound();
      await recordDirectoryAudit(client, caller, {
        action: DIRECTORY_AUDIT_ACTIONS.teamUpdated,
        resource: { type: 'team', id: teamId },
        outcome: 'success',
        detail: { fields: 'name' },
        at,
      });
      return after;
    });
    return teamView(row);
  }

  async function upsertStaff(caller: DirectoryCaller, request: UpsertStaffRequest): Promise<{ staff: StaffMember; created: boolean }> {
    if (request.staffId !== '' && !isUuid(request.staffId)) throw staffNotFound();
    await authorize(caller, DIRECTORY_AUDIT_ACTIONS.staffUpdated, { type: 'staff', id: request.staffId.toLowerCase() });
    const subject = request.subject === '' ? undefined : checkSubject(request.subject);
    if (request.staffId === '' && subject === undefined) throw invalidArgument('invalid_subject', 'subject (or staff_id) is required.');
    const displayName = request.displayName === undefined ? undefined : checkName('display_name', request.displayName, 200);
    const email = request.email === undefined ? undefined : checkEmail(request.email);
    const roles = request.setRoles ? checkRoles(request.roles) : undefined;
    const teamIds = request.setTeamIds ? checkIds('team_ids', request.teamIds) : undefined;
    const at = clock();

    const result = await withTenant(pool, caller.tenantId, async (client) => {
      if ((await getTenant(client, caller.tenantId)) === undefined) throw tenantNotFound();
      if (teamIds !== undefined && (await countTeams(client, caller.tenantId, teamIds)) !== teamIds.length) {
        throw invalidArgument('unknown_team', 'team_ids names a team that is not in the tenant.');
      }
      const existing =
        request.staffId !== ''
          ? await findStaff(client, caller.tenantId, { id: request.staffId.toLowerCase() })
          : await findStaff(client, caller.tenantId, { subject: subject ?? '' });
      if (existing === undefined && request.staffId !== '') throw staffNotFound();
      if (existing !== undefined && subject !== undefined && subject !== existing.subject) {
        throw invalidArgument('subject_immutable', 'A staff member keeps their subject; add a new member instead.');
      }

      const audit = (action: DirectoryAuditAction, id: string, detail: Record<string, string> = {}) =>
        recordDirectoryAudit(client, caller, { action, resource: { type: 'staff', id }, outcome: 'success', detail, at });

      if (existing === undefined) {
        if (displayName === undefined || roles === undefined) {
          throw invalidArgument('staff_incomplete', 'A new staff member needs display_name and roles.');
        }
        const id = randomUUID();
        const values: StaffValues = { displayName, email: email ?? null, roles, active: request.active ?? true };
        if (!(await insertStaff(client, caller.tenantId, { ...values, id, subject: subject ?? '' }, at))) {
          throw conflict('staff_exists', 'A staff member with this subject was added meanwhile; retry.');
        }
        if (teamIds !== undefined) await setStaffTeams(client, caller.tenantId, id, teamIds);
        await audit(DIRECTORY_AUDIT_ACTIONS.staffCreated, id, { roles: roles.join(','), ...(teamIds ? { team_ids: teamIds.join(',') } : {}) });
        return { id, created: true };
      }

      const values: StaffValues = {
        displayName: displayName ?? existing.display_name,
        email: email === undefined ? existing.email : email,
        roles: roles ?? existing.roles,
        active: request.active ?? existing.active,
      };
      const changed: string[] = [];
      if (values.displayName !== existing.display_name) changed.push('display_name');
      if (values.email !== existing.email) changed.push('email');
      const rolesChanged = roles !== undefined && roles.join(',') !== existing.roles.join(',');
      const teamsChanged = teamIds !== undefined && [...teamIds].sort().join(',') !== [...existing.team_ids].sort().join(',');
      if (teamsChanged) changed.push('team_ids');
      const activeChanged = values.active !== existing.active;
      if (changed.length === 0 && !rolesChanged && !activeChanged) return { id: existing.id, created: false };

      await updateStaff(client, caller.tenantId, existing.id, values, at);
      if (teamsChanged) await setStaffTeams(client, caller.tenantId, existing.id, teamIds);
      if (changed.length > 0) await audit(DIRECTORY_AUDIT_ACTIONS.staffUpdated, existing.id, { fields: changed.join(',') });
      // A change of roles is a change of access: its own event, with what was added and removed.
      if (rolesChanged) {
        await audit(DIRECTORY_AUDIT_ACTIONS.staffRolesChanged, existing.id, {
          roles: values.roles.join(','),
          added: values.roles.filter((role) => !existing.roles.includes(role)).join(','),
          removed: existing.roles.filter((role) => !values.roles.includes(role)).join(','),
        });
      }
      if (activeChanged) await audit(values.active ? DIRECTORY_AUDIT_ACTIONS.staffReactivated : DIRECTORY_AUDIT_ACTIONS.staffDeactivated, existing.id);
      return { id: existing.id, created: false };
    });

    const row = await withTenant(pool, caller.tenantId, (client) => findStaff(client, caller.tenantId, { id: result.id }));
    if (row === undefined) throw staffNotFound();
    return { staff: staffView(row), created: result.created };
  }

  async function listStaffOf(caller: DirectoryCaller, request: ListStaffRequest): Promise<StaffMember[]> {
    requireReader(caller);
    return (await withTenant(pool, caller.tenantId, (client) => listStaff(client, caller.tenantId, request.includeInactive))).map(staffView);
  }

  async function deactivateStaff(caller: DirectoryCaller, request: DeactivateStaffRequest): Promise<StaffMember> {
    if (!isUuid(request.staffId)) throw staffNotFound();
    const staffId = request.staffId.toLowerCase();
    await authorize(caller, DIRECTORY_AUDIT_ACTIONS.staffDeactivated, { type: 'staff', id: staffId });
    const at = clock();
    const row = await withTenant(pool, caller.tenantId, async (client) => {
      const existing = await findStaff(client, caller.tenantId, { id: staffId });
      if (existing === undefined) throw staffNotFound();
      if (!existing.active) return existing;
      await updateStaff(
        client,
        caller.tenantId,
        staffId,
        { displayName: existing.display_name, email: existing.email, roles: existing.roles, active: false },
        at,
      );
      await recordDirectoryAudit(client, caller, {
        action: DIRECTORY_AUDIT_ACTIONS.staffDeactivated,
        resource: { type: 'staff', id: staffId },
        outcome: 'success',
        at,
      });
      return findStaff(client, caller.tenantId, { id: staffId });
    });
    if (row === undefined) throw staffNotFound();
    return staffView(row);
  }

  return {
    createTenant,
    listTenants,
    getTenant: getTenantOf,
    updateTenant: updateTenantOf,
    createTeam,
    listTeams: listTeamsOf,
    updateTeam,
    upsertStaff,
    listStaff: listStaffOf,
    deactivateStaff,
  };
}

export type DirectoryUseCases = ReturnType<typeof createDirectoryUseCases>;
