// Who calls RecordsService. api authenticates people and passes the tenant and actor in gRPC
// metadata (libs/runtime grpc-context); every query of a call runs inside that tenant.
import { isUuid } from '@careline/db';
import { type Caller, DomainError, unauthenticated } from '@careline/runtime';
import { tenantRequired } from '../domain/errors';

export interface TenantCaller {
  tenantId: string;
  actor: string;
  /** The caller's roles (metadata x-careline-roles): the audit actor's type. */
  roles: readonly string[];
}

export function requireTenantCaller(caller: Caller | undefined): TenantCaller {
  if (caller === undefined)
    throw unauthenticated('caller_required', 'The call names no caller (metadata x-careline-actor).');
  if (caller.tenantId === undefined) throw tenantRequired();
  if (!isUuid(caller.tenantId)) {
    throw new DomainError({
      code: 'invalid_caller',
      kind: 'unauthenticated',
      message: 'Metadata x-careline-tenant is malformed.',
    });
  }
  return { tenantId: caller.tenantId.toLowerCase(), actor: caller.actor, roles: caller.roles };
}
