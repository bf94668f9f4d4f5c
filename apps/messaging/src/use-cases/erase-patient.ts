// Erasure of a patient's messaging data (issue 7): every conversation of the patient (their
// wa_id_hash, on any of the tenant's numbers) with its messages, media, notes, inbox events,
// break-glass grants and send requests is deleted, and the patient's data key is destroyed, so any
// surviving copy of their ciphertext (a backup, a copied column) no longer decrypts. What is kept:
// the fact (patient_erasures: ids and counts, the reason sealed under the TENANT key), the
// patient's consent (an opt-out must outlive the chat), and everything records holds (the clinical
// record is kept as the law requires; messaging never touches it). The audit event
// `patient.erased` (severity high) is enqueued in the same transaction as the deletions.
//
// Locks, in the order every writer of the patient's data takes them (conversation, then the
// patient key: see receive-patient-message.ts and patient-keys.ts): the patient's conversations,
// then their key FOR UPDATE (waiting for every transaction still sealing with it), then the
// conversations again, to catch one created meanwhile with the same key.
import { randomUUID } from 'node:crypto';
import { AuditActorType, type ErasePatientRequest, type ErasePatientResponse } from '@careline/contracts';
import { type PoolClient, isUuid, withTenant } from '@careline/db';
import { type DomainError, invalidArgument } from '@careline/runtime';
import { getConversation } from '../db/conversations';
import {
  type ErasureRow,
  deleteConversationData,
  deletePatientKey,
  erasureForConversation,
  insertErasure,
  lockPatientConversations,
  lockPatientKey,
} from '../db/erasure';
import { conversationNotFound } from '../domain/errors';
import { AUDIT_ACTIONS, recordAudit } from './audit';
import { type TenantCaller } from './caller';
import { type UseCaseDeps } from './deps';

export const ERASURE_REASON_LIMITS = { min: 10, max: 500 } as const;

export type ErasePatient = (caller: TenantCaller, request: ErasePatientRequest) => Promise<ErasePatientResponse>;

function erasureContext(erasureId: string): string {
  return `messaging:patient_erasure:${erasureId}:reason`;
}

export function validateErasureReason(reason: string): string {
  const trimmed = reason.trim();
  const length = [...trimmed].length;
  if (length < ERASURE_REASON_LIMITS.min || length > ERASURE_REASON_LIMITS.max) {
    throw invalidArgument('invalid_erasure', `The reason must be ${ERASURE_REASON_LIMITS.min} to ${ERASURE_REASON_LIMITS.max} characters.`, {
      details: { field: 'reason' },
    });
  }
  return trimmed;
}

function responseOf(row: ErasureRow): ErasePatientResponse {
  return {
    erasureId: row.id,
    conversationIds: [...row.conversation_ids].sort(),
    messagesErased: row.messages_erased,
    mediaErased: row.media_erased,
    notesErased: row.notes_erased,
    inboxEventsErased: row.inbox_events_erased,
    keyDestroyed: row.key_destroyed,
    erasedAt: row.erased_at,
  };
}

export interface EraseOutcome {
  response: ErasePatientResponse;
  /** the destroyed key's id, to forget in this process */
  destroyedKeyId: string | undefined;
  /** false when the answer is an earlier erasure's */
  fresh: boolean;
}

/**
 * Erases the patient `waIdHash` in `client`'s transaction (tenant set) and enqueues `patient.erased`.
 * `trigger` staff: ErasePatient; retention: the retention job (actor SYSTEM).
 */
export async function erasePatientData(
  client: PoolClient,
  deps: Pick<UseCaseDeps, 'clock'>,
  input: {
    caller: TenantCaller;
    waIdHash: string;
    patientId: string | null;
    trigger: 'staff' | 'retention';
    reasonSealed: (erasureId: string) => Promise<Uint8Array | null>;
    /** retention: only these conversations (the patient's other ones stay, and so does the key if any remain) */
    only?: readonly string[];
  },
): Promise<EraseOutcome> {
  const { caller, waIdHash } = input;
  const tenantId = caller.tenantId;
  const now = deps.clock();
  await lockPatientConversations(client, tenantId, waIdHash);
  const key = await lockPatientKey(client, tenantId, waIdHash, 'FOR UPDATE');
  const all = await lockPatientConversations(client, tenantId, waIdHash);
  const erased = input.only === undefined ? all : all.filter((id) => input.only?.includes(id));
  const counts = await deleteConversationData(client, tenantId, erased);
  // the key goes with the patient's last conversation; retention of one conversation of a
  // patient who still writes on another number keeps it (their other messages need it)
  const destroyedKeyId = key !== undefined && erased.length === all.length ? await deletePatientKey(client, tenantId, waIdHash) : undefined;
  const erasureId = randomUUID();
  const row: ErasureRow = {
    id: erasureId,
    wa_id_hash: waIdHash,
    conversation_ids: erased,
    trigger: input.trigger,
    messages_erased: counts.messages,
    media_erased: counts.media,
    notes_erased: counts.notes,
    inbox_events_erased: counts.inboxEvents,
    key_destroyed: destroyedKeyId !== undefined,
    erased_at: now,
    reason_sealed: await input.reasonSealed(erasureId),
  };
  await insertErasure(client, {
    id: erasureId,
    tenantId,
    waIdHash,
    conversationIds: erased,
    trigger: input.trigger,
    actor: input.trigger === 'retention' ? RETENTION_ACTOR.id : caller.actor,
    reasonSealed: row.reason_sealed,
    counts,
    keyDestroyed: row.key_destroyed,
    erasedAt: now,
  });
  await recordAudit(client, caller, {
    action: AUDIT_ACTIONS.erasePatient,
    resource: { type: 'patient_erasure', id: erasureId },
    patient: { waIdHash, patientId: input.patientId },
    outcome: 'success',
    detail: {
      severity: 'high',
      trigger: input.trigger,
      conversation_ids: erased.join(','),
      messages_erased: String(counts.messages),
      media_erased: String(counts.media),
      notes_erased: String(counts.notes),
      inbox_events_erased: String(counts.inboxEvents),
      key_destroyed: String(row.key_destroyed),
    },
    at: now,
    ...(input.trigger === 'retention' ? { actor: RETENTION_ACTOR } : {}),
  });
  return { response: responseOf(row), destroyedKeyId, fresh: true };
}

export const RETENTION_ACTOR = { type: AuditActorType.AUDIT_ACTOR_TYPE_SYSTEM, id: 'service:messaging' } as const;

export function createErasePatient(deps: UseCaseDeps): ErasePatient {
  return async (caller, request) => {
    if (!isUuid(request.conversationId)) throw conversationNotFound();
    const reason = validateErasureReason(request.reason);
    const conversationId = request.conversationId.toLowerCase();
    const outcome = await withTenant(deps.pool, caller.tenantId, async (client): Promise<{ refused: DomainError } | EraseOutcome> => {
      const conversation = await getConversation(client, caller.tenantId, conversationId);
      if (conversation === undefined) {
        // erased before: the same answer (idempotent), and no second audit of an erasure
        const earlier = await erasureForConversation(client, caller.tenantId, conversationId);
        if (earlier !== undefined) return { response: responseOf(earlier), destroyedKeyId: undefined, fresh: false };
        await recordAudit(client, caller, {
          action: AUDIT_ACTIONS.erasePatient,
          resource: { type: 'conversation', id: conversationId },
          outcome: 'failure',
          detail: { reason: 'conversation_not_found', severity: 'high' },
          at: deps.clock(),
        });
        return { refused: conversationNotFound() };
      }
      return erasePatientData(client, deps, {
        caller,
        waIdHash: conversation.wa_id_hash,
        patientId: conversation.patient_id,
        trigger: 'staff',
        reasonSealed: (erasureId) => deps.atRest.seal(caller.tenantId, reason, erasureContext(erasureId)),
      });
    });
    if ('refused' in outcome) throw outcome.refused;
    if (outcome.destroyedKeyId !== undefined) deps.patientKeys.forget(caller.tenantId, outcome.destroyedKeyId);
    if (outcome.fresh) {
      deps.logger.warn(
        {
          tenant_id: caller.tenantId,
          erasure_id: outcome.response.erasureId,
          conversation_ids: outcome.response.conversationIds,
          messages_erased: outcome.response.messagesErased,
          key_destroyed: outcome.response.keyDestroyed,
          actor: caller.actor,
        },
        'patient messaging data erased',
      );
    }
    return outcome.response;
  };
}
