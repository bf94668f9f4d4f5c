// wa.message.status.v1 → the outbound message's delivery state, merged monotonically
// (domain/status.ts). A status names its message by Careline id (biz_opaque_callback_data) and by
// wamid; when neither finds it yet (the status overtook the gateway's result, which carries the
// wamid) it is parked and applied when the message or its wamid appears (settleDelivery).
import { randomUUID } from 'node:crypto';
import { DeliveryStatus, type MessageStatusV1 } from '@careline/contracts';
import { type PoolClient, isUuid } from '@careline/db';
import {
  type MessageRow,
  deliveryStateOf,
  lockMessageById,
  lockMessageByWamid,
  saveDeliveryState,
  setWamid,
} from '../db/messages';
import { lockWamid, parkStatus, takePendingStatuses } from '../db/pending-statuses';
import { invalidEvent } from '../domain/errors';
import { UNKNOWN_FAILURE, metaFailure } from '../domain/failure-reasons';
import { type ReportedStatus, type StatusReport, mergeStatus } from '../domain/status';
import { type EventContext, type UseCaseDeps } from './deps';
import { SYSTEM_ACTOR, recordInboxEvent } from '../inbox/events';

export type ApplyMessageStatus = (client: PoolClient, event: MessageStatusV1, context: EventContext) => Promise<void>;

/** The reported status; undefined for UNSPECIFIED or a value added to the contract after this build. */
function reportedStatus(status: DeliveryStatus): ReportedStatus | undefined {
  switch (status) {
    case DeliveryStatus.DELIVERY_STATUS_SENT:
      return 'sent';
    case DeliveryStatus.DELIVERY_STATUS_DELIVERED:
      return 'delivered';
    case DeliveryStatus.DELIVERY_STATUS_READ:
      return 'read';
    case DeliveryStatus.DELIVERY_STATUS_FAILED:
      return 'failed';
    case DeliveryStatus.DELIVERY_STATUS_UNSPECIFIED:
    case DeliveryStatus.UNRECOGNIZED:
      return undefined;
  }
}

export function createApplyMessageStatus(deps: UseCaseDeps): ApplyMessageStatus {
  return async (client, event, context) => {
    const tenantId = context.tenantId;
    if (event.tenantId.toLowerCase() !== tenantId.toLowerCase()) throw invalidEvent('tenant_id differs from the envelope tenant');
    // biz_opaque_callback_data is free text for messages sent by other tools: only a UUID is ours.
    const messageId = isUuid(event.messageId) ? event.messageId.toLowerCase() : null;
    const wamid = event.wamid === '' ? null : event.wamid;
    if (messageId === null && wamid === null) throw invalidEvent('the status names no message (no message_id, no wamid)');
    const log = deps.logger.child({ tenant_id: tenantId, message_id: messageId, event_id: context.id });
    const status = reportedStatus(event.status);
    if (status === undefined) {
      log.warn('status without a known value ignored');
      return;
    }
    const firstError = event.errors[0];
    const report: StatusReport = { status, at: event.statusAt ?? deps.clock() };
    if (status === 'failed') report.failure = firstError === undefined ? UNKNOWN_FAILURE : metaFailure(firstError.code);

    if (wamid !== null) await lockWamid(client, tenantId, wamid);
    const message =
      (messageId === null ? undefined : await lockMessageById(client, tenantId, messageId)) ??
      (wamid === null ? undefined : await lockMessageByWamid(client, tenantId, wamid));
    if (message === undefined) {
      await parkStatus(client, { id: randomUUID(), tenantId, messageId, wamid, report, parkedAt: deps.clock() });
      log.info({ status }, 'status parked until its message is known');
      return;
    }
    if (message.direction === 'inbound') {
      log.warn({ status }, 'status for an inbound message ignored');
      return;
    }
    if (wamid !== null && message.wamid === null) {
      // The status overtook the gateway's result: it tells us the wamid first.
      await setWamid(client, tenantId, message.id, wamid);
      message.wamid = wamid;
    }
    const state = await settleDelivery(client, message, [report]);
    // A status webhook starts its own trace at the gateway (Meta sends no trace context, and
    // biz_opaque_callback_data carries the message id, not a trace). The message's own trace is
    // named here as a link, so searching the logs for the send's trace id finds its receipts too.
    log.info({ conversation_id: message.conversation_id, status, state, message_trace_id: message.trace_id }, 'status applied');
  };
}

/**
 * Merges `reports` and every parked status of the message into its delivery state and saves it.
 * Call it with the message row locked, after anything that may have made the message findable
 * (its insert, its wamid recorded). Returns the resulting state.
 */
export async function settleDelivery(client: PoolClient, message: MessageRow, reports: readonly StatusReport[]): Promise<string> {
  const current = deliveryStateOf(message);
  if (current === undefined) return message.state;
  const parked = await takePendingStatuses(client, message.tenant_id, { id: message.id, wamid: message.wamid });
  const all = [...reports, ...parked];
  if (all.length === 0) return current.state;
  const merged = all.reduce(mergeStatus, current);
  await saveDeliveryState(client, message.tenant_id, message.id, merged);
  // the console sees the ticks move (inbox stream); a merge that changed nothing is not an event
  if (merged.state !== current.state) {
    await recordInboxEvent(client, {
      tenantId: message.tenant_id,
      kind: 'message_status',
      conversationId: message.conversation_id,
      messageId: message.id,
      actor: SYSTEM_ACTOR,
      facts: { state: merged.state },
      at: merged.stateAt,
    });
  }
  return merged.state;
}
