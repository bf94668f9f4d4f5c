// Who may read the audit log. The api authenticates people and passes tenant, actor and roles as
// gRPC metadata (HTTP headers on the REST port); audit checks them again here rather than trusting
// that every caller went through the api: `audit:read` in @careline/auth's permission table, the
// same table the api enforces, so the two can never disagree on who is an auditor.
import { ROLES, type Role, can } from '@careline/auth';
import { isUuid } from '@careline/db';
import { type Caller, DomainError, permissionDenied, unauthenticated } from '@careline/runtime';

export interface AuditReader {
  /** Lowercase UUID: the only tenant whose chain the call may touch. */
  tenantId: string;
  /** `user:<id>` for staff, a client id for integrations: recorded on each read. */
  actor: string;
  roles: readonly Role[];
}

function isRole(value: string): value is Role {
  return (ROLES as readonly string[]).includes(value);
}

/**
 * The caller, once it is known to name a tenant and to hold `audit:read`. Unknown role names are
 * dropped (never granted); the tenant is only ever the caller's, never a request field.
 */
export function requireAuditReader(caller: Caller | undefined): AuditReader {
  if (caller === undefined) throw unauthenticated('caller_required', 'The call names no caller (x-careline-actor).');
  if (caller.tenantId === undefined) {
    throw unauthenticated('tenant_required', 'The audit log is per tenant: the call names none (x-careline-tenant).');
  }
  if (!isUuid(caller.tenantId)) {
    throw new DomainError({ code: 'invalid_caller', kind: 'unauthenticated', message: 'x-careline-tenant is malformed.' });
  }
  const roles = caller.roles.filter(isRole);
  if (!can({ roles }, 'audit:read')) {
    // `role_required`: the code audit.proto documents for this refusal.
    throw permissionDenied('role_required', 'Reading the audit log needs the permission audit:read.', {
      details: { permission: 'audit:read' },
    });
  }
  return { tenantId: caller.tenantId.toLowerCase(), actor: caller.actor, roles };
}
