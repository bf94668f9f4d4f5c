// Who may change the channel registry. api authenticates people and passes tenant, actor and roles
// in gRPC metadata; the gateway re-checks the permission itself (defence in depth: a bug or a
// compromised caller inside the cluster must not be able to register numbers without the role).
import { type Role, ROLES, can, isPlatformOperator } from '@careline/auth';
import { isUuid } from '@careline/db';
import { type Caller, DomainError, permissionDenied, unauthenticated } from '@careline/runtime';

export interface ChannelAdmin {
  tenantId: string;
  actor: string;
  roles: readonly string[];
}

/** The caller as a tenant caller, whatever its roles (for auditing a refusal). */
export function requireTenantCaller(caller: Caller | undefined): ChannelAdmin {
  if (caller === undefined) throw unauthenticated('caller_required', 'The call names no caller (metadata x-careline-actor).');
  if (caller.tenantId === undefined) throw unauthenticated('tenant_required', 'The call names no tenant (metadata x-careline-tenant).');
  if (!isUuid(caller.tenantId)) {
    throw new DomainError({ code: 'invalid_caller', kind: 'unauthenticated', message: 'Metadata x-careline-tenant is malformed.' });
  }
  return { tenantId: caller.tenantId.toLowerCase(), actor: caller.actor, roles: caller.roles };
}

function isRole(value: string): value is Role {
  return (ROLES as readonly string[]).includes(value);
}

export function isChannelAdmin(caller: ChannelAdmin): boolean {
  return isPlatformOperator(caller.roles) || can({ roles: caller.roles.filter(isRole) }, 'tenant:admin');
}

export function tenantAdminRequired(): DomainError {
  return permissionDenied('permission_denied', 'permission tenant:admin is required', { details: { permission: 'tenant:admin' } });
}
