// wa.outbound.result.v1 → accepted: the message learns its wamid (its state stays where statuses
// put it: acceptance is not `sent`), and statuses parked under that wamid are applied now.
// failed: the message fails with Meta's code and a reason the care team can act on.
import { type OutboundResultV1 } from '@careline/contracts';
import { type PoolClient, isUuid } from '@careline/db';
import { lockMessageById, setWamid } from '../db/messages';
import { lockWamid } from '../db/pending-statuses';
import { invalidEvent } from '../domain/errors';
import { outboundFailure } from '../domain/failure-reasons';
import { settleDelivery } from './apply-message-status';
import { type EventContext, type UseCaseDeps } from './deps';

export type RecordOutboundResult = (client: PoolClient, event: OutboundResultV1, context: EventContext) => Promise<void>;

export function createRecordOutboundResult(deps: UseCaseDeps): RecordOutboundResult {
  return async (client, event, context) => {
    const tenantId = context.tenantId;
    if (event.tenantId.toLowerCase() !== tenantId.toLowerCase()) throw invalidEvent('tenant_id differs from the envelope tenant');
    if (!isUuid(event.messageId)) throw invalidEvent('message_id is not a UUID');
    const outcome = event.outcome;
    if (outcome === undefined) throw invalidEvent('the result has no outcome');
    const messageId = event.messageId.toLowerCase();
    const log = deps.logger.child({ tenant_id: tenantId, message_id: messageId, event_id: context.id });

    const wamid = outcome.$case === 'accepted' && outcome.value.wamid !== '' ? outcome.value.wamid : null;
    if (wamid !== null) await lockWamid(client, tenantId, wamid);
    const message = await lockMessageById(client, tenantId, messageId);
    if (message === undefined || message.direction === 'inbound') {
      // Other services send too (reminders, result notices) and read their own results.
      log.debug('result for a message messaging did not send');
      return;
    }

    switch (outcome.$case) {
      case 'accepted': {
        if (wamid === null) throw invalidEvent('accepted result without a wamid');
        if (message.wamid === null) {
          await setWamid(client, tenantId, message.id, wamid);
          message.wamid = wamid;
        } else if (message.wamid !== wamid) {
          log.warn('accepted result names another wamid than the statuses did; keeping the first');
        }
        const state = await settleDelivery(client, message, []);
        log.info({ conversation_id: message.conversation_id, state }, 'send accepted by Meta');
        return;
      }
      case 'failed': {
        const failure = outboundFailure(outcome.value);
        const state = await settleDelivery(client, message, [
          { status: 'failed', at: event.completedAt ?? deps.clock(), failure },
        ]);
        log.info({ conversation_id: message.conversation_id, error_code: failure.code, state }, 'send failed');
        return;
      }
    }
  };
}
