// Audit events (AuditEventV1 on `audit.events.v1`) for every read or write of appointment data,
// written to the outbox through the SAME client (transaction) as the access or change they record.
// Ids only: never numbers, names or times in clear.
import { type AuditEventV1, AuditActorType, AuditOutcome, EVENT_KEYS, auditEvent } from '@careline/contracts';
import { enqueue } from '@careline/bus';
import { type Queryable } from '@careline/db';
import { SCHEMA } from '../config';
import { type TenantCaller } from './caller';

/** `ce_source` of every event scheduling emits. */
export const EVENT_SOURCE = '/careline/scheduling';

export const AUDIT_ACTIONS = {
  read: 'appointment.read',
  list: 'appointment.list',
  book: 'appointment.booked',
  reschedule: 'appointment.rescheduled',
  cancel: 'appointment.cancelled',
  confirm: 'appointment.confirmed',
  attendance: 'appointment.attendance_marked',
  import: 'appointment.imported',
  noShow: 'appointment.no_show',
  reminderSent: 'appointment.reminder_sent',
  configure: 'scheduling.configured',
  stats: 'appointment.stats_read',
  availability: 'availability.read',
  // only refusals: listing the calendar set-up (staff data) is not audited on success
  calendarRead: 'scheduling.calendar_read',
} as const;
export type AuditAction = (typeof AUDIT_ACTIONS)[keyof typeof AUDIT_ACTIONS];

/** Who acted: a caller from metadata, the patient (a reply), or scheduling itself (the clock). */
export type AuditActor = { caller: TenantCaller } | { patient: { patientId: string | null } } | { system: true };

export interface AuditFacts {
  action: AuditAction;
  resource: { type: string; id: string };
  patient?: { waIdHash: string; patientId: string | null };
  outcome: 'success' | 'denied' | 'failure';
  detail?: Record<string, string>;
  at: Date;
}

const OUTCOMES = {
  success: AuditOutcome.AUDIT_OUTCOME_SUCCESS,
  denied: AuditOutcome.AUDIT_OUTCOME_DENIED,
  failure: AuditOutcome.AUDIT_OUTCOME_FAILURE,
} as const;

function actorOf(actor: AuditActor): AuditEventV1['actor'] {
  if ('caller' in actor) {
    const type = actor.caller.roles.includes('integration') ? AuditActorType.AUDIT_ACTOR_TYPE_INTEGRATION : AuditActorType.AUDIT_ACTOR_TYPE_STAFF;
    return { type, id: actor.caller.actor };
  }
  if ('patient' in actor) return { type: AuditActorType.AUDIT_ACTOR_TYPE_PATIENT, id: actor.patient.patientId ?? '' };
  return { type: AuditActorType.AUDIT_ACTOR_TYPE_SYSTEM, id: 'service:scheduling' };
}

export async function recordAudit(client: Queryable, tenantId: string, actor: AuditActor, facts: AuditFacts): Promise<void> {
  const event: AuditEventV1 = {
    tenantId,
    actor: actorOf(actor),
    action: facts.action,
    patientId: facts.patient?.patientId ?? '',
    patientWaIdHash: facts.patient?.waIdHash ?? '',
    resource: facts.resource,
    outcome: OUTCOMES[facts.outcome],
    occurredAt: facts.at,
    detail: facts.detail ?? {},
  };
  await enqueue(client, SCHEMA, auditEvent, { key: EVENT_KEYS.auditEvents(event), tenantId, source: EVENT_SOURCE, payload: event });
}
