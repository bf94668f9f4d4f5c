// The inbox event log's write side: every change the console must see live (a patient message, a
// message queued, a status, an assignment, a state change, a note, a read) appends one row to
// `inbox_events` in the transaction of the change, so the stream (watch.ts) shows exactly what
// committed, in commit order. Ids and enum facts only; the stream opens the views when it delivers.
import { type Queryable } from '@careline/db';
import { type NewInboxEvent, appendInboxEvent, recordFirstResponse } from '../db/inbox';

/** How long events are kept for a reconnecting client (pruned as events are written, see db/inbox.ts). */
export const INBOX_RETENTION_DAYS = 7;

/** The actor of changes Careline makes on its own (routing, a menu). */
export const SYSTEM_ACTOR = 'system';
export const PATIENT_ACTOR_ID = 'patient';

export async function recordInboxEvent(client: Queryable, event: NewInboxEvent): Promise<number> {
  return appendInboxEvent(client, event, { days: INBOX_RETENTION_DAYS });
}

/** A message queued to the patient: the event, and the first response of the episode when staff wrote it. */
export async function recordOutboundQueued(
  client: Queryable,
  message: { tenantId: string; conversationId: string; messageId: string; sentBy: string | null; at: Date },
): Promise<void> {
  // staff only (`user:<sub>`): a menu, a consent confirmation or a service's reminder is not a response
  if (message.sentBy?.startsWith('user:') === true) {
    await recordFirstResponse(client, message.tenantId, message.conversationId, message.at);
  }
  await recordInboxEvent(client, {
    tenantId: message.tenantId,
    kind: 'message_sent',
    conversationId: message.conversationId,
    messageId: message.messageId,
    actor: message.sentBy ?? SYSTEM_ACTOR,
    at: message.at,
  });
}
