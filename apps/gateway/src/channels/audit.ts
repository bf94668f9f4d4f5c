// Audit events for changes of the channel registry: AuditEventV1 on `audit.events.v1`, enqueued in
// the gateway's outbox through the SAME transaction as the change, so the change and its record
// commit together or not at all. Ids only: never a token, a secret, or anything derived from one.
import { enqueue } from '@careline/bus';
import { AuditActorType, AuditOutcome, EVENT_KEYS, auditEvent, type AuditEventV1 } from '@careline/contracts';
import { type Queryable } from '@careline/db';
import { GATEWAY_SCHEMA } from '../db/migrations';
import { EVENT_SOURCE } from '../events';
import { type ChannelAdmin } from './caller';

/** Stable action names (`<resource>.<verb>`). */
export const CHANNEL_AUDIT_ACTIONS = {
  registered: 'channel.registered',
  credentialsRotated: 'channel.credentials_rotated',
  updated: 'channel.updated',
  disabled: 'channel.disabled',
  enabled: 'channel.enabled',
} as const;
export type ChannelAuditAction = (typeof CHANNEL_AUDIT_ACTIONS)[keyof typeof CHANNEL_AUDIT_ACTIONS];

export interface ChannelAuditFacts {
  action: ChannelAuditAction;
  phoneNumberId: string;
  outcome: 'success' | 'denied';
  /** Non-identifying facts (ids, field names, reason codes). */
  detail?: Record<string, string>;
  at: Date;
}

const OUTCOMES = { success: AuditOutcome.AUDIT_OUTCOME_SUCCESS, denied: AuditOutcome.AUDIT_OUTCOME_DENIED } as const;

export function channelAuditEvent(caller: ChannelAdmin, facts: ChannelAuditFacts): AuditEventV1 {
  return {
    tenantId: caller.tenantId,
    actor: {
      // Integration clients are told apart by their role; people (staff or platform operators,
      // whose actor id says `operator:`) are STAFF.
      type: caller.roles.includes('integration') ? AuditActorType.AUDIT_ACTOR_TYPE_INTEGRATION : AuditActorType.AUDIT_ACTOR_TYPE_STAFF,
      id: caller.actor,
    },
    action: facts.action,
    patientId: '',
    patientWaIdHash: '',
    resource: { type: 'channel', id: facts.phoneNumberId },
    outcome: OUTCOMES[facts.outcome],
    occurredAt: facts.at,
    detail: facts.detail ?? {},
  };
}

export async function recordChannelAudit(client: Queryable, caller: ChannelAdmin, facts: ChannelAuditFacts): Promise<void> {
  const event = channelAuditEvent(caller, facts);
  await enqueue(client, GATEWAY_SCHEMA, auditEvent, {
    key: EVENT_KEYS.auditEvents(event),
    tenantId: caller.tenantId,
    source: EVENT_SOURCE,
    payload: event,
  });
}
