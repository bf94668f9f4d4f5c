// Audit events of the tenant directory (AuditEventV1 through messaging's outbox, in the change's
// transaction). Ids, field names and role names only: never a staff name or e-mail.
import { enqueue } from '@careline/bus';
import { AuditOutcome, EVENT_KEYS, auditEvent, type AuditEventV1 } from '@careline/contracts';
import { type Queryable } from '@careline/db';
import { SCHEMA } from '../config';
import { EVENT_SOURCE, actorType } from '../use-cases/audit';
import { type TenantCaller } from '../use-cases/caller';

export const DIRECTORY_AUDIT_ACTIONS = {
  tenantCreated: 'tenant.created',
  tenantUpdated: 'tenant.updated',
  teamCreated: 'team.created',
  teamUpdated: 'team.updated',
  staffCreated: 'staff.created',
  staffUpdated: 'staff.updated',
  staffRolesChanged: 'staff.roles_changed',
  staffDeactivated: 'staff.deactivated',
  staffReactivated: 'staff.reactivated',
} as const;
export type DirectoryAuditAction = (typeof DIRECTORY_AUDIT_ACTIONS)[keyof typeof DIRECTORY_AUDIT_ACTIONS];

export interface DirectoryAuditFacts {
  action: DirectoryAuditAction;
  resource: { type: 'tenant' | 'team' | 'staff'; id: string };
  outcome: 'success' | 'denied';
  detail?: Record<string, string>;
  at: Date;
}

export function directoryAuditEvent(caller: TenantCaller, facts: DirectoryAuditFacts): AuditEventV1 {
  return {
    tenantId: caller.tenantId,
    actor: { type: actorType(caller.roles), id: caller.actor },
    action: facts.action,
    patientId: '',
    patientWaIdHash: '',
    resource: facts.resource,
    outcome: facts.outcome === 'success' ? AuditOutcome.AUDIT_OUTCOME_SUCCESS : AuditOutcome.AUDIT_OUTCOME_DENIED,
    occurredAt: facts.at,
    detail: facts.detail ?? {},
  };
}

/** Enqueues the event in `client`'s transaction (the change's, or the refusal's own). */
export async function recordDirectoryAudit(client: Queryable, caller: TenantCaller, facts: DirectoryAuditFacts): Promise<void> {
  const event = directoryAuditEvent(caller, facts);
  await enqueue(client, SCHEMA, auditEvent, { key: EVENT_KEYS.auditEvents(event), tenantId: caller.tenantId, source: EVENT_SOURCE, payload: event });
}
