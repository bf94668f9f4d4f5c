// The permission table checked again inside scheduling (defence in depth): api refuses first, but
// a caller reaching the gRPC port directly without `appointments:read` / `appointments:write` is
// refused here too, and the refusal is an audit event.
import { type Permission, type Role, can, isPlatformOperator } from '@careline/auth';
import { withTenant } from '@careline/db';
import { permissionDenied } from '@careline/runtime';
import { type AuditAction, recordAudit } from './audit';
import { type TenantCaller } from './caller';
import { type UseCaseDeps } from './deps';

export type Authorize = (caller: TenantCaller, permission: Permission, action: AuditAction) => Promise<void>;

export function createAuthorize(deps: Pick<UseCaseDeps, 'pool' | 'clock'>): Authorize {
  return async (caller, permission, action) => {
    // Role names from metadata are plain strings; `can` grants nothing to a name it does not know.
    if (can({ roles: caller.roles as readonly Role[] }, permission)) return;
    // the platform operator (tools/admin) configures a hospital it onboards, as in the gateway and
    // messaging's directory; it never reads or books appointments
    if (permission === 'tenant:admin' && isPlatformOperator(caller.roles)) return;
    await withTenant(deps.pool, caller.tenantId, (client) =>
      recordAudit(client, caller.tenantId, { caller }, {
        action,
        resource: { type: 'appointment', id: '' },
        outcome: 'denied',
        detail: { reason: 'permission_denied', permission },
        at: deps.clock(),
      }),
    );
    throw permissionDenied('permission_denied', `The caller's roles do not grant ${permission}.`, { details: { permission } });
  };
}
