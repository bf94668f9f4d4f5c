// Who may use the tenant directory. Writes and staff reads need a role granting `tenant:admin`
// (staff e-mails and roles are an administrator's business), or the platform operator role; the
// hospital itself (name, zone) is readable by any of its callers, and its teams by the care team
// working the inbox (`conversations:read`: filtering and assigning by team). CreateTenant and
// ListTenants are platform calls: no tenant, platform operator only.
import { type Role, ROLES, can, isPlatformOperator as hasPlatformRole } from '@careline/auth';
import { type Caller, permissionDenied, unauthenticated } from '@careline/runtime';
import { type TenantCaller, requireTenantCaller } from '../use-cases/caller';

export type DirectoryCaller = TenantCaller;

export interface PlatformCaller {
  actor: string;
  roles: readonly string[];
}

function isRole(value: string): value is Role {
  return (ROLES as readonly string[]).includes(value);
}

/** The platform operator (tools/admin, the stack's seed): see @careline/auth's PLATFORM_OPERATOR_ROLE. */
export function isPlatformOperator(caller: { roles: readonly string[] }): boolean {
  return hasPlatformRole(caller.roles);
}

export function isDirectoryAdmin(caller: { roles: readonly string[] }): boolean {
  return isPlatformOperator(caller) || can({ roles: caller.roles.filter(isRole) }, 'tenant:admin');
}

/** The care team filters and assigns by team: team names are theirs to read, not only the admin's. */
export function isTeamReader(caller: { roles: readonly string[] }): boolean {
  return isDirectoryAdmin(caller) || can({ roles: caller.roles.filter(isRole) }, 'conversations:read');
}

export function platformOperatorRequired() {
  return permissionDenied('platform_operator_required', 'This call is for the platform operator only.');
}

export function tenantAdminRequired() {
  return permissionDenied('permission_denied', 'permission tenant:admin is required', { details: { permission: 'tenant:admin' } });
}

/** A platform call: an actor, NO tenant, the platform operator role. */
export function requirePlatformCaller(caller: Caller | undefined): PlatformCaller {
  if (caller === undefined) throw unauthenticated('caller_required', 'The call names no caller (metadata x-careline-actor).');
  // A tenant-scoped caller must not reach across tenants, whatever its roles.
  if (caller.tenantId !== undefined || !isPlatformOperator(caller)) throw platformOperatorRequired();
  return { actor: caller.actor, roles: caller.roles };
}

export { requireTenantCaller };
