// The permission table checked again inside messaging (HIPAA 164.312(a)(1) access control, defence
// in depth): api refuses first, but anything that reaches the gRPC port with a caller whose roles
// do not grant the permission is refused here too, and the refusal is an audit event (`denied`,
// reason `permission_denied`) so that a caller probing the service directly leaves a trace.
import { type Permission, type Role, can } from '@careline/auth';
import { withTenant } from '@careline/db';
import { permissionDenied } from '@careline/runtime';
import { type AuditAction, recordAudit } from './audit';
import { type TenantCaller } from './caller';
import { type UseCaseDeps } from './deps';

export interface Guard {
  permission: Permission;
  action: AuditAction;
  /** The object the refused call was about, for the audit record. */
  resource: { type: string; id: string };
}

export type Authorize = (caller: TenantCaller, guard: Guard) => Promise<void>;

export function createAuthorize(deps: Pick<UseCaseDeps, 'pool' | 'clock'>): Authorize {
  return async (caller, guard) => {
    // Role names from metadata are plain strings; `can` grants nothing to a name it does not know.
    if (can({ roles: caller.roles as readonly Role[] }, guard.permission)) return;
    await withTenant(deps.pool, caller.tenantId, (client) =>
      recordAudit(client, caller, {
        action: guard.action,
        resource: guard.resource,
        outcome: 'denied',
        detail: { reason: 'permission_denied', permission: guard.permission },
        at: deps.clock(),
      }),
    );
    throw permissionDenied('permission_denied', `The caller's roles do not grant ${guard.permission}.`, {
      details: { permission: guard.permission },
    });
  };
}

/** Wraps a staff-facing use-case so that it runs only for callers the guard admits. */
export function guarded<R, T>(
  authorize: Authorize,
  guardFor: (request: R) => Guard,
  useCase: (caller: TenantCaller, request: R) => Promise<T>,
): (caller: TenantCaller, request: R) => Promise<T> {
  return async (caller, request) => {
    await authorize(caller, guardFor(request));
    return useCase(caller, request);
  };
}
