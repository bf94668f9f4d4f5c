// Audit events (AuditEventV1 on `audit.events.v1`) for every read or write of patient data made
// through MessagingService. Written to the outbox through the SAME client (transaction) as the read
// or the change they record: the access and its audit record commit together or not at all.
// Ids only: never message text, names or numbers (the proto forbids patient data in clear).
import {
  type AuditEventV1,
  AuditActorType,
  AuditOutcome,
  EVENT_KEYS,
  auditEvent,
} from '@careline/contracts';
import { enqueue } from '@careline/bus';
import { type Queryable } from '@careline/db';
import { SCHEMA } from '../config';
import { type TenantCaller } from './caller';

/** `ce_source` of every event messaging emits. */
export const EVENT_SOURCE = '/careline/messaging';

/** Stable action names, `<resource>.<verb>` (audit_event.proto). */
export const AUDIT_ACTIONS = {
  listConversations: 'conversation.list',
  getConversation: 'conversation.read',
  listMessages: 'messages.read',
  sendText: 'message.send',
  setConversationRestriction: 'conversation.restriction_changed',
  breakGlass: 'break_glass.granted',
  sendTemplate: 'message.send_template',
  sendInteractive: 'message.send_interactive',
  readConsent: 'consent.read',
  optedIn: 'consent.opted_in',
  optedOut: 'consent.opted_out',
  marketingStopped: 'consent.marketing_stopped',
  marketingResumed: 'consent.marketing_resumed',
  languageChanged: 'consent.language_changed',
  listTemplates: 'template.list',
  syncTemplates: 'template.sync',
  // a patient's media bytes opened by staff (use-cases/media.ts)
  readMedia: 'media.read',
  // the inbox (src/inbox)
  setConversationState: 'conversation.state_changed',
  assignConversation: 'conversation.assigned',
  routeConversation: 'conversation.routed',
  addNote: 'conversation.note_added',
  listNotes: 'conversation.notes_read',
  markRead: 'conversation.read_marked',
  watchInbox: 'inbox.watch',
  readRoutingRules: 'routing.read',
  setRoutingRules: 'routing.updated',
  // retention and erasure (issue 7): use-cases/erase-patient.ts, retention.ts
  erasePatient: 'patient.erased',
  readRetentionPolicy: 'retention.read',
  setRetentionPolicy: 'retention.updated',
} as const;
export type AuditAction = (typeof AUDIT_ACTIONS)[keyof typeof AUDIT_ACTIONS];

export interface AuditFacts {
  action: AuditAction;
  resource: { type: string; id: string };
  /** The conversation's patient, when the action concerns one patient. */
  patient?: { waIdHash: string; patientId: string | null };
  outcome: 'success' | 'denied' | 'failure';
  /** Non-identifying facts only (ids, counts, reason codes). */
  detail?: Record<string, string>;
  at: Date;
  /** Who acted when it is not the caller's roles that say (the patient's keyword, a service). */
  actor?: { type: AuditActorType; id: string };
}

const OUTCOMES = {
  success: AuditOutcome.AUDIT_OUTCOME_SUCCESS,
  denied: AuditOutcome.AUDIT_OUTCOME_DENIED,
  failure: AuditOutcome.AUDIT_OUTCOME_FAILURE,
} as const;

/** Integration clients (EHR, lab, call centre) are told apart from people by their role. */
export function actorType(roles: readonly string[]): AuditActorType {
  return roles.includes('integration') ? AuditActorType.AUDIT_ACTOR_TYPE_INTEGRATION : AuditActorType.AUDIT_ACTOR_TYPE_STAFF;
}

export function auditEventFor(caller: TenantCaller, facts: AuditFacts): AuditEventV1 {
  return {
    tenantId: caller.tenantId,
    actor: facts.actor ?? { type: actorType(caller.roles), id: caller.actor },
    action: facts.action,
    patientId: facts.patient?.patientId ?? '',
    patientWaIdHash: facts.patient?.waIdHash ?? '',
    resource: facts.resource,
    outcome: OUTCOMES[facts.outcome],
    occurredAt: facts.at,
    detail: facts.detail ?? {},
  };
}

/** Enqueues the audit event in `client`'s transaction. */
export async function recordAudit(client: Queryable, caller: TenantCaller, facts: AuditFacts): Promise<void> {
  const event = auditEventFor(caller, facts);
  await enqueue(client, SCHEMA, auditEvent, {
    key: EVENT_KEYS.auditEvents(event),
    tenantId: caller.tenantId,
    source: EVENT_SOURCE,
    payload: event,
  });
}
