// Who calls SchedulingService. api authenticates people and integrations and passes the tenant,
// actor and roles in gRPC metadata (libs/runtime grpc-context); every query runs in that tenant.
import { isUuid } from '@careline/db';
import { type Caller, DomainError, unauthenticated } from '@careline/runtime';

export interface TenantCaller {
  tenantId: string;
  actor: string;
  roles: readonly string[];
}

export function requireTenantCaller(caller: Caller | undefined): TenantCaller {
  if (caller === undefined) throw unauthenticated('caller_required', 'The call names no caller (metadata x-careline-actor).');
  if (caller.tenantId === undefined) throw unauthenticated('tenant_required', 'The call names no tenant (metadata x-careline-tenant).');
  if (!isUuid(caller.tenantId)) {
    throw new DomainError({ code: 'invalid_caller', kind: 'unauthenticated', message: 'Metadata x-careline-tenant is malformed.' });
  }
  return { tenantId: caller.tenantId.toLowerCase(), actor: caller.actor, roles: caller.roles };
}
