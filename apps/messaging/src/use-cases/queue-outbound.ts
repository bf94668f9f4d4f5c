// One outbound message queued: the row (`queued`, content sealed at rest), the conversation's
// preview, and the send command in the outbox, all through the caller's client (one transaction).
// The command's patient data is sealed for the topic (`sealContext(topic, message_id)`), never
// copied from the at-rest ciphertexts. Shared by templates, interactive messages and the consent
// confirmations; SendText keeps its own copy of these steps.
import { randomUUID } from 'node:crypto';
import {
  EVENT_KEYS,
  type OutboundRequestedV1,
  type Sealed,
  TOPICS,
  outboundRequestedEvent,
  sealContext,
} from '@careline/contracts';
import { enqueue } from '@careline/bus';
import { type Queryable } from '@careline/db';
import { currentTraceId } from '@careline/runtime';
import { SCHEMA } from '../config';
import { type ConversationRow, recordOutboundActivity } from '../db/conversations';
import { type MessageRow, insertMessage, lockMessageById } from '../db/messages';
import { type MessageContent, encodeContent, previewOf } from '../domain/content';
import { atRestContext } from '../domain/sealing';
import { EVENT_SOURCE } from './audit';
import { type UseCaseDeps } from './deps';
import { recordOutboundQueued } from '../inbox/events';

export type OutboundContent = NonNullable<OutboundRequestedV1['content']>;

/** Seals one value for the command's topic context. */
export type SealForCommand = (plaintext: string) => Promise<Sealed>;

export interface QueueOutbound {
  conversation: ConversationRow;
  /** What the inbox shows (stored sealed). */
  stored: MessageContent;
  /** What the gateway sends, built with the command's sealer. */
  command: (seal: SealForCommand) => Promise<OutboundContent>;
  sentBy: string | null;
  now: Date;
}

export async function queueOutbound(
  client: Queryable,
  deps: Pick<UseCaseDeps, 'atRest' | 'sealer' | 'patientKeys'>,
  outbound: QueueOutbound,
): Promise<MessageRow> {
  const { conversation, now } = outbound;
  const tenantId = conversation.tenant_id;
  const patientAtRest = await deps.patientKeys.forPatient(client, tenantId, conversation.wa_id_hash);
  const messageId = randomUUID();
  await insertMessage(client, {
    id: messageId,
    tenantId,
    conversationId: conversation.id,
    direction: 'outbound',
    wamid: null,
    contentKind: outbound.stored.$case,
    contentSealed: await patientAtRest.seal(tenantId, encodeContent(outbound.stored), atRestContext.messageContent(messageId)),
    replyToMessageId: null,
    state: 'queued',
    sentBy: outbound.sentBy,
    // per-tenant keys live in send_requests (the caller may name a patient, not a conversation)
    idempotencyKey: null,
    createdAt: now,
    storedAt: now,
    traceId: currentTraceId() ?? null,
  });
  await recordOutboundActivity(client, tenantId, conversation.id, {
    at: now,
    previewSealed: await patientAtRest.seal(tenantId, previewOf(outbound.stored), atRestContext.conversationPreview(conversation.id)),
  });
  const eventContext = sealContext(TOPICS.outboundRequested, messageId);
  const seal: SealForCommand = (plaintext) => deps.sealer.seal(tenantId, plaintext, eventContext);
  const waId = await deps.atRest.openString(tenantId, conversation.wa_id_sealed, atRestContext.conversationWaId(conversation.id));
  const command: OutboundRequestedV1 = {
    tenantId,
    phoneNumberId: conversation.phone_number_id,
    recipientWaId: await seal(waId),
    recipientWaIdHash: conversation.wa_id_hash,
    messageId,
    idempotencyKey: messageId,
    requestedAt: now,
    replyToWamid: '',
    content: await outbound.command(seal),
  };
  await enqueue(client, SCHEMA, outboundRequestedEvent, {
    key: EVENT_KEYS.outboundRequested(command),
    tenantId,
    source: EVENT_SOURCE,
    payload: command,
  });
  const row = await lockMessageById(client, tenantId, messageId);
  if (row === undefined) throw new Error('queued message vanished');
  // last: the inbox event takes the tenant's event-sequence lock (db/inbox.ts)
  await recordOutboundQueued(client, { tenantId, conversationId: conversation.id, messageId, sentBy: outbound.sentBy, at: now });
  return row;
}
