// Appends one consumed AuditEventV1 to its tenant's chain, inside the idempotent consumer's
// transaction (tenant already set): lock the head, hash the entry onto it, store it, advance the
// head, and sign a checkpoint when the tenant has gone AUDIT_CHECKPOINT_EVERY entries without one.
import { type ActorType, type Outcome, type SigningKey, appendEntry, signCheckpoint } from '@careline/audit-chain';
import { type AuditEventV1, AuditActorType, AuditOutcome } from '@careline/contracts';
import { type PoolClient } from '@careline/db';
import { invalidArgument } from '@careline/runtime';
import { advanceHead, hasEvent, insertCheckpoint, insertEntry, lockHead } from '../db/chain';
import { type AuditMetrics } from '../metrics';

export interface AppendDeps {
  signingKey: SigningKey;
  checkpointEvery: number;
  clock: () => Date;
  metrics: AuditMetrics;
}

export interface EventEnvelope {
  id: string;
  tenantId: string;
  source: string;
  time: Date;
}

const ACTOR_TYPES: Record<AuditActorType, ActorType> = {
  [AuditActorType.AUDIT_ACTOR_TYPE_UNSPECIFIED]: 'unknown',
  [AuditActorType.AUDIT_ACTOR_TYPE_STAFF]: 'staff',
  [AuditActorType.AUDIT_ACTOR_TYPE_PATIENT]: 'patient',
  [AuditActorType.AUDIT_ACTOR_TYPE_INTEGRATION]: 'integration',
  [AuditActorType.AUDIT_ACTOR_TYPE_SYSTEM]: 'system',
  [AuditActorType.UNRECOGNIZED]: 'unknown',
};
const OUTCOMES: Record<AuditOutcome, Outcome> = {
  [AuditOutcome.AUDIT_OUTCOME_UNSPECIFIED]: 'unknown',
  [AuditOutcome.AUDIT_OUTCOME_SUCCESS]: 'success',
  [AuditOutcome.AUDIT_OUTCOME_DENIED]: 'denied',
  [AuditOutcome.AUDIT_OUTCOME_FAILURE]: 'failure',
  [AuditOutcome.UNRECOGNIZED]: 'unknown',
};

export type AppendResult = { appended: true; seq: number } | { appended: false };

export function createAppendEvent(deps: AppendDeps) {
  return async function appendEvent(
    client: PoolClient,
    event: AuditEventV1,
    envelope: EventEnvelope,
  ): Promise<AppendResult> {
    // The envelope's tenant set the transaction; a payload naming another tenant is a producer bug
    // and must not land in either chain.
    if (event.tenantId.toLowerCase() !== envelope.tenantId.toLowerCase()) {
      throw invalidArgument('tenant_mismatch', 'the event payload names another tenant than its envelope');
    }
    if (event.action === '') throw invalidArgument('action_missing', 'an audit event needs an action');
    const tenantId = envelope.tenantId.toLowerCase();
    const head = await lockHead(client, tenantId);
    // The consumer already de-duplicates on ce_id; this catches a redelivery racing its first
    // delivery in another instance (it waited on the head lock and now sees the committed entry).
    if (await hasEvent(client, envelope.id)) {
      deps.metrics.appended('duplicate');
      return { appended: false };
    }
    const entry = appendEntry(head.seq === 0 ? undefined : head, {
      tenantId,
      eventId: envelope.id,
      source: envelope.source,
      action: event.action,
      actorType: ACTOR_TYPES[event.actor?.type ?? AuditActorType.AUDIT_ACTOR_TYPE_UNSPECIFIED],
      actorId: event.actor?.id ?? '',
      patientId: event.patientId,
      patientWaIdHash: event.patientWaIdHash,
      resourceType: event.resource?.type ?? '',
      resourceId: event.resource?.id ?? '',
      outcome: OUTCOMES[event.outcome],
      // Milliseconds: what Postgres and ISO strings both keep exactly, so the stored row re-hashes.
      occurredAt: new Date((event.occurredAt ?? envelope.time).getTime()).toISOString(),
      detail: { ...event.detail },
    });
    await insertEntry(client, entry);
    await advanceHead(client, tenantId, entry);
    if (entry.seq - head.checkpointSeq >= deps.checkpointEvery) {
      await insertCheckpoint(client, signCheckpoint(deps.signingKey, entry, deps.clock()));
      deps.metrics.checkpoint('count');
    }
    deps.metrics.appended('appended');
    return { appended: true, seq: entry.seq };
  };
}

export type AppendEvent = ReturnType<typeof createAppendEvent>;
