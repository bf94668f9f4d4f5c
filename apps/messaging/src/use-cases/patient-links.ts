// record.events.v1 → which patient each number belongs to (db/patient-links.ts holds the rule),
// and every conversation of a number whose patient changed is relinked in the same transaction,
// with an inbox event `conversation_linked` so open consoles update. Runs inside the consumer's
// transaction (tenant set, dedupe row written). Not audited: no one read or changed patient data
// on behalf of staff here; records audits the staff action (LinkContact, UpdatePatient) itself.
import { type RecordEventV1 } from '@careline/contracts';
import { type PoolClient, type Queryable, isUuid } from '@careline/db';
import {
  type LinkChange,
  addContactLink,
  lockNumber,
  relinkConversations,
  resolvePatient,
  setConversationPatient,
  setPatientNumber,
} from '../db/patient-links';
import { invalidEvent } from '../domain/errors';
import { SYSTEM_ACTOR, recordInboxEvent } from '../inbox/events';
import { type EventContext, type UseCaseDeps } from './deps';

const WA_ID_HASH = /^[0-9a-f]{64}$/;

export type ApplyRecordEvent = (client: PoolClient, event: RecordEventV1, context: EventContext) => Promise<void>;

export function createApplyRecordEvent(deps: UseCaseDeps): ApplyRecordEvent {
  return async (client, event, context) => {
    const tenantId = context.tenantId;
    const variant = event.event;
    // release steps and future variants are not messaging's business
    if (variant === undefined) return;
    if (variant.$case !== 'patientCreated' && variant.$case !== 'patientUpdated' && variant.$case !== 'contactLinked') return;
    if (event.tenantId.toLowerCase() !== tenantId.toLowerCase()) throw invalidEvent('tenant_id differs from the envelope tenant');
    if (!isUuid(event.patientId)) throw invalidEvent('patient_id is not a UUID');
    if (event.occurredAt === undefined) throw invalidEvent('occurred_at is missing');
    const patientId = event.patientId.toLowerCase();
    const now = deps.clock();
    const log = deps.logger.child({ tenant_id: tenantId, patient_id: patientId, event_id: context.id });

    let touched: string[];
    switch (variant.$case) {
      case 'patientCreated':
      case 'patientUpdated': {
        const waIdHash = variant.value.waIdHash;
        if (waIdHash !== '' && !WA_ID_HASH.test(waIdHash)) throw invalidEvent('wa_id_hash is not a keyed hash');
        const { applied, previousWaIdHash } = await setPatientNumber(client, {
          tenantId,
          patientId,
          waIdHash: waIdHash === '' ? null : waIdHash,
          occurredAt: event.occurredAt,
          now,
        });
        if (!applied) {
          log.debug('older patient number ignored');
          return;
        }
        // the old number's conversations may lose the patient, the new one's gain it
        touched = [previousWaIdHash, waIdHash].filter((hash): hash is string => hash !== null && hash !== '');
        break;
      }
      case 'contactLinked': {
        const waIdHash = variant.value.waIdHash;
        if (!WA_ID_HASH.test(waIdHash)) throw invalidEvent('wa_id_hash is not a keyed hash');
        await addContactLink(client, { tenantId, waIdHash, patientId, linkedAt: event.occurredAt });
        touched = [waIdHash];
        break;
      }
    }

    const changes: LinkChange[] = [];
    for (const waIdHash of [...new Set(touched)].sort()) {
      await lockNumber(client, tenantId, waIdHash);
      changes.push(...(await relinkConversations(client, tenantId, waIdHash, now)));
    }
    for (const change of changes) {
      await recordInboxEvent(client, {
        tenantId,
        kind: 'conversation_linked',
        conversationId: change.conversationId,
        actor: event.actor === '' ? SYSTEM_ACTOR : event.actor,
        facts: { patient_id: change.patientId ?? '', previous_patient_id: change.previousPatientId ?? '' },
        at: now,
      });
    }
    log.info({ variant: variant.$case, relinked: changes.length, conversation_ids: changes.map((c) => c.conversationId) }, 'patient links applied');
  };
}

/**
 * A conversation just inserted: linked to its number's patient, if the projection names one. The
 * number's lock makes this and a concurrent record event's relink see each other (db/patient-links.ts).
 */
export async function linkNewConversation(
  client: Queryable,
  conversation: { tenantId: string; id: string; waIdHash: string },
): Promise<void> {
  await lockNumber(client, conversation.tenantId, conversation.waIdHash);
  const patientId = await resolvePatient(client, conversation.tenantId, conversation.waIdHash);
  if (patientId !== null) await setConversationPatient(client, conversation.tenantId, conversation.id, patientId);
}
