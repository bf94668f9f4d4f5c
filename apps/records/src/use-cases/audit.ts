// Audit events (AuditEventV1 on `audit.events.v1`) and record events (RecordEventV1 on
// `record.events.v1`), written to the outbox through the SAME client (transaction) as the change
// they record: both commit with it or not at all. Ids only: never names, dates of birth, numbers,
// titles or contents (the protos forbid patient data in clear).
import {
  type AuditEventV1,
  AuditActorType,
  AuditOutcome,
  EVENT_KEYS,
  type RecordEventV1,
  auditEvent,
  recordEvent,
} from '@careline/contracts';
import { enqueue } from '@careline/bus';
import { type Queryable } from '@careline/db';
import { SCHEMA } from '../config';

/** `ce_source` of every event records emits. */
export const EVENT_SOURCE = '/careline/records';

/** Stable action names, `<resource>.<verb>` (audit_event.proto). */
export const AUDIT_ACTIONS = {
  createPatient: 'patient.created',
  readPatient: 'patient.read',
  updatePatient: 'patient.updated',
  searchPatients: 'patient.searched',
  linkContact: 'patient.contact_linked',
  recordConsent: 'consent.recorded',
  readConsents: 'consent.read',
  uploadDocument: 'document.uploaded',
  listDocuments: 'document.listed',
  readDocument: 'document.downloaded_by_staff',
  shareDocument: 'record.shared',
  revokeShare: 'share.revoked',
  listShares: 'share.listed',
  openLink: 'share.link_opened',
  verificationFailed: 'share.identity_verification_failed',
  codeSent: 'share.code_sent',
  verified: 'share.identity_verified',
  download: 'record.downloaded',
  // self-service in chat (self-service.ts): the list of released documents sent to the patient
  selfServiceListed: 'record.self_service_listed',
  // DiagnosticReport export: a document's metadata read (no content)
  readDocumentMetadata: 'document.read',
  // the tenant's release policy (policies.ts); a read is audited only when denied
  readReleasePolicy: 'policy.release_read',
  changeReleasePolicy: 'policy.release_changed',
} as const;
export type AuditAction = (typeof AUDIT_ACTIONS)[keyof typeof AUDIT_ACTIONS];

/** Who acts: staff/integration through the gRPC API, or the patient on the release page. */
export type Actor =
  { kind: 'caller'; id: string; roles: readonly string[] } | { kind: 'patient'; patientId: string };

export interface AuditFacts {
  tenantId: string;
  actor: Actor;
  action: AuditAction;
  resource: { type: string; id: string };
  patientId?: string;
  outcome: 'success' | 'denied' | 'failure';
  /** Non-identifying facts only (ids, counts, reason codes). */
  detail?: Record<string, string>;
  at: Date;
}

const OUTCOMES = {
  success: AuditOutcome.AUDIT_OUTCOME_SUCCESS,
  denied: AuditOutcome.AUDIT_OUTCOME_DENIED,
  failure: AuditOutcome.AUDIT_OUTCOME_FAILURE,
} as const;

function auditActor(actor: Actor): { type: AuditActorType; id: string } {
  if (actor.kind === 'patient') return { type: AuditActorType.AUDIT_ACTOR_TYPE_PATIENT, id: actor.patientId };
  // integration clients (EHR, lab) are told apart from people by their role
  const type = actor.roles.includes('integration')
    ? AuditActorType.AUDIT_ACTOR_TYPE_INTEGRATION
    : AuditActorType.AUDIT_ACTOR_TYPE_STAFF;
  return { type, id: actor.id };
}

export function auditEventFor(facts: AuditFacts): AuditEventV1 {
  return {
    tenantId: facts.tenantId,
    actor: auditActor(facts.actor),
    action: facts.action,
    patientId: facts.patientId ?? '',
    patientWaIdHash: '',
    resource: facts.resource,
    outcome: OUTCOMES[facts.outcome],
    occurredAt: facts.at,
    detail: facts.detail ?? {},
  };
}

/** Enqueues the audit event in `client`'s transaction. */
export async function recordAudit(client: Queryable, facts: AuditFacts): Promise<void> {
  const event = auditEventFor(facts);
  await enqueue(client, SCHEMA, auditEvent, {
    key: EVENT_KEYS.auditEvents(event),
    tenantId: facts.tenantId,
    source: EVENT_SOURCE,
    payload: event,
  });
}

/** The `actor` string of a record event. */
export function recordActor(actor: Actor): string {
  return actor.kind === 'patient' ? 'patient' : actor.id;
}

/** Enqueues a record event (keyed tenant:patient) in `client`'s transaction. */
export async function emitRecordEvent(client: Queryable, event: RecordEventV1): Promise<void> {
  await enqueue(client, SCHEMA, recordEvent, {
    key: EVENT_KEYS.recordEvents(event),
    tenantId: event.tenantId,
    source: EVENT_SOURCE,
    payload: event,
  });
}
