// A free-text reply from the care team. Inside the 24-hour window the message is stored `queued`
// and the send command written to the outbox in ONE transaction (both or neither); outside it the
// call is refused with `window_closed` and nothing is queued. Idempotent per conversation by the
// client's key: a retry returns the first message and queues nothing more. The conversation row
// is locked for the transaction, so two concurrent calls with one key cannot both queue.
// Audited (`message.send`) in the same transaction: success (resource the message), or the refusal
// once the conversation was looked up (not found → failure, window closed → denied, unknown
// reply-to → failure), committed with nothing else and the error thrown after the commit.
import { randomUUID } from 'node:crypto';
import {
  EVENT_KEYS,
  type OutboundRequestedV1,
  type SendTextRequest,
  type SendTextResponse,
  TOPICS,
  outboundRequestedEvent,
  sealContext,
} from '@careline/contracts';
import { enqueue } from '@careline/bus';
import { type DomainError, currentTraceId } from '@careline/runtime';
import { isUuid, withTenant } from '@careline/db';
import { SCHEMA } from '../config';
import { getConversation, recordOutboundActivity } from '../db/conversations';
import { type MessageRow, findByIdempotencyKey, findMessageInConversation, insertMessage, lockMessageById } from '../db/messages';
import { type MessageContent, characterCount, encodeContent, previewOf } from '../domain/content';
import { breakGlassRequired, conversationNotFound, idempotencyKeyRequired, invalidText, optedOut, replyToNotFound, windowClosed } from '../domain/errors';
import { getConsent } from '../db/consent';
import { consentRefuses } from '../domain/consent';
import { atRestContext } from '../domain/sealing';
import { isWindowOpen, windowOpenUntil } from '../domain/window';
import { conversationAccess, grantDetail } from './access';
import { settleDelivery } from './apply-message-status';
import { AUDIT_ACTIONS, EVENT_SOURCE, type AuditFacts, recordAudit } from './audit';
import { type TenantCaller } from './caller';
import { type UseCaseDeps } from './deps';
import { recordOutboundQueued } from '../inbox/events';
import { approvedTemplateSummary } from './templates';
import { messageView } from './views';

export const MAX_TEXT_CHARACTERS = 4096;
export const MAX_IDEMPOTENCY_KEY_LENGTH = 200;
export { EVENT_SOURCE } from './audit';

export type SendText = (caller: TenantCaller, request: SendTextRequest) => Promise<SendTextResponse>;

export function createSendText(deps: UseCaseDeps): SendText {
  const { atRest, sealer, clock } = deps;
  return async (caller, request) => {
    const { tenantId } = caller;
    const text = request.text;
    if (characterCount(text) > MAX_TEXT_CHARACTERS || text.trim() === '') throw invalidText();
    const key = request.idempotencyKey;
    if (key === '' || key.length > MAX_IDEMPOTENCY_KEY_LENGTH) throw idempotencyKeyRequired();
    if (!isUuid(request.conversationId)) throw conversationNotFound();
    if (request.replyToMessageId !== '' && !isUuid(request.replyToMessageId)) throw replyToNotFound();

    const outcome = await withTenant(deps.pool, tenantId, async (client): Promise<{ refused: DomainError } | { row: MessageRow }> => {
      const conversation = await getConversation(client, tenantId, request.conversationId, { lock: true });
      const audit = (facts: Omit<AuditFacts, 'action' | 'at' | 'patient'>) =>
        recordAudit(client, caller, {
          action: AUDIT_ACTIONS.sendText,
          at: clock(),
          ...(conversation === undefined ? {} : { patient: { waIdHash: conversation.wa_id_hash, patientId: conversation.patient_id } }),
          ...facts,
        });
      const conversationResource = { type: 'conversation', id: request.conversationId.toLowerCase() };
      if (conversation === undefined) {
        await audit({ resource: conversationResource, outcome: 'failure', detail: { reason: 'conversation_not_found' } });
        return { refused: conversationNotFound() };
      }

      const access = await conversationAccess(client, caller, conversation, clock());
      if (!access.allowed) {
        await audit({ resource: conversationResource, outcome: 'denied', detail: { reason: 'break_glass_required' } });
        return { refused: breakGlassRequired(conversation.id) };
      }

      const repeated = await findByIdempotencyKey(client, tenantId, conversation.id, key);
      if (repeated) {
        await audit({
          resource: { type: 'message', id: repeated.id },
          outcome: 'success',
          detail: { conversation_id: conversation.id, idempotent_replay: 'true', ...grantDetail(access) },
        });
        return { row: repeated };
      }

      const now = clock();
      if (!isWindowOpen(conversation.last_inbound_at, now)) {
        await audit({ resource: conversationResource, outcome: 'denied', detail: { reason: 'window_closed' } });
        // the refusal names the approved templates, so the console can offer them at once
        return {
          refused: windowClosed(conversation.id, windowOpenUntil(conversation.last_inbound_at), await approvedTemplateSummary(client, tenantId)),
        };
      }
      // a reply from the care team is purpose CARE: not sent to a patient who opted out (STOP)
      if (consentRefuses(await getConsent(client, tenantId, conversation.wa_id_hash), 'care')) {
        await audit({ resource: conversationResource, outcome: 'denied', detail: { reason: 'opted_out' } });
        return { refused: optedOut(conversation.id, 'opted_out') };
      }
      const replyTo =
        request.replyToMessageId === ''
          ? undefined
          : await findMessageInConversation(client, tenantId, conversation.id, request.replyToMessageId);
      if (request.replyToMessageId !== '' && replyTo === undefined) {
        await audit({ resource: conversationResource, outcome: 'failure', detail: { reason: 'reply_to_not_found' } });
        return { refused: replyToNotFound() };
      }

      const messageId = randomUUID();
      const content: MessageContent = { $case: 'text', value: { body: text } };
      const patientAtRest = await deps.patientKeys.forPatient(client, tenantId, conversation.wa_id_hash);
      await insertMessage(client, {
        id: messageId,
        tenantId,
        conversationId: conversation.id,
        direction: 'outbound',
        wamid: null,
        contentKind: content.$case,
        contentSealed: await patientAtRest.seal(tenantId, encodeContent(content), atRestContext.messageContent(messageId)),
        replyToMessageId: replyTo?.id ?? null,
        state: 'queued',
        sentBy: caller.actor,
        idempotencyKey: key,
        createdAt: now,
        storedAt: now,
        // the staff request's trace (the api forwards a client's traceparent), as the send command's
        traceId: currentTraceId() ?? null,
      });
      await recordOutboundActivity(client, tenantId, conversation.id, {
        at: now,
        previewSealed: await patientAtRest.seal(tenantId, previewOf(content), atRestContext.conversationPreview(conversation.id)),
      });

      // The command carries the patient's number and the text sealed for the topic, never the
      // at-rest ciphertexts: each context opens in one place only.
      const eventContext = sealContext(TOPICS.outboundRequested, messageId);
      const waId = await atRest.openString(tenantId, conversation.wa_id_sealed, atRestContext.conversationWaId(conversation.id));
      const command: OutboundRequestedV1 = {
        tenantId,
        phoneNumberId: conversation.phone_number_id,
        recipientWaId: await sealer.seal(tenantId, waId, eventContext),
        recipientWaIdHash: conversation.wa_id_hash,
        messageId,
        // The gateway sends at most once per key; one message is one send.
        idempotencyKey: messageId,
        requestedAt: now,
        replyToWamid: replyTo?.wamid ?? '',
        content: { $case: 'text', value: { body: await sealer.seal(tenantId, text, eventContext), previewUrl: false } },
      };
      await enqueue(client, SCHEMA, outboundRequestedEvent, {
        key: EVENT_KEYS.outboundRequested(command),
        tenantId,
        source: EVENT_SOURCE,
        payload: command,
      });

      const stored = await lockMessageById(client, tenantId, messageId);
      if (stored === undefined) throw new Error('queued message vanished');
      // Nothing is parked for a brand-new id in practice; settled anyway so that "parked statuses
      // are applied when their message appears" holds wherever a message appears.
      const state = await settleDelivery(client, stored, []);
      // first response of the episode + the inbox event (taking the event-sequence lock last)
      await recordOutboundQueued(client, { tenantId, conversationId: conversation.id, messageId, sentBy: caller.actor, at: now });
      await audit({
        resource: { type: 'message', id: messageId },
        outcome: 'success',
        detail: { conversation_id: conversation.id, ...grantDetail(access) },
      });
      deps.logger.info(
        { tenant_id: tenantId, conversation_id: conversation.id, message_id: messageId, actor: caller.actor },
        'reply queued',
      );
      return { row: state === stored.state ? stored : ((await lockMessageById(client, tenantId, messageId)) ?? stored) };
    });
    // thrown after the commit, so that the audit event of the refusal is kept
    if ('refused' in outcome) {
      if (outcome.refused.code === 'window_closed') deps.metrics?.windowRefused();
      throw outcome.refused;
    }
    return { message: await messageView(atRest, outcome.row) };
  };
}
