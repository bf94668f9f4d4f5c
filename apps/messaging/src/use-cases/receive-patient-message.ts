// patient.message.received.v1 → the patient's conversation (created on their first message), the
// message stored sealed under messaging's own context, the 24-hour window moved forward, one more
// unread. Runs inside the consumer's transaction (tenant set, dedupe row written), and is itself
// idempotent by message id and wamid: ingest may emit the same message twice under different
// event ids.
import { randomUUID } from 'node:crypto';
import { type PatientMessageReceivedV1, TOPICS, sealContext } from '@careline/contracts';
import { type PoolClient, isUuid } from '@careline/db';
import { currentTraceId } from '@careline/runtime';
import {
  insertConversation,
  lockConversationForPatient,
  recordInboundActivity,
  type ConversationRow,
} from '../db/conversations';
import { insertMessage, messageExists, messageIdForWamid } from '../db/messages';
import { encodeContent, previewOf } from '../domain/content';
import { invalidEvent } from '../domain/errors';
import { atRestContext, eventOpener } from '../domain/sealing';
import { applyConsentKeyword } from './consent';
import { onPatientMessage } from '../inbox/on-patient-message';
import { type EventContext, type UseCaseDeps } from './deps';
import { linkNewConversation } from './patient-links';
import { inboundContent } from './inbound-content';
import { recordInboundMedia } from './media';

export type ReceivePatientMessage = (client: PoolClient, event: PatientMessageReceivedV1, context: EventContext) => Promise<void>;

export function createReceivePatientMessage(deps: UseCaseDeps): ReceivePatientMessage {
  const { sealer, clock } = deps;
  return async (client, event, context) => {
    const tenantId = context.tenantId;
    const { sentAt } = checkEvent(event, context);
    const log = deps.logger.child({ tenant_id: tenantId, message_id: event.messageId, event_id: context.id });

    if (await messageExists(client, tenantId, { id: event.messageId, wamid: event.wamid })) {
      log.debug('patient message already stored');
      return;
    }

    const open = eventOpener(sealer, tenantId, sealContext(TOPICS.patientMessageReceived, event.messageId));
    const waId = await open.string('wa_id', event.waId);
    const profileName = event.profileName === undefined ? '' : await open.string('profile_name', event.profileName);
    const lookUp = (wamid: string): Promise<string | undefined> =>
      wamid === '' ? Promise.resolve(undefined) : messageIdForWamid(client, tenantId, wamid);
    const content = await inboundContent(event.content, { open, messageIdForWamid: lookUp });
    const now = clock();

    const conversation = await conversationFor(client, deps, {
      tenantId,
      phoneNumberId: event.phoneNumberId,
      waIdHash: event.waIdHash,
      waId,
      firstMessageAt: sentAt,
    });
    // after the conversation's lock, as ErasePatient takes them (use-cases/erase-patient.ts)
    const atRest = await deps.patientKeys.forPatient(client, tenantId, event.waIdHash);
    const inserted = await insertMessage(client, {
      id: event.messageId,
      tenantId,
      conversationId: conversation.id,
      direction: 'inbound',
      wamid: event.wamid,
      contentKind: content.$case,
      contentSealed: await atRest.seal(tenantId, encodeContent(content), atRestContext.messageContent(event.messageId)),
      replyToMessageId: (await lookUp(event.context?.repliedToWamid ?? '')) ?? null,
      state: 'received',
      sentBy: null,
      idempotencyKey: null,
      createdAt: sentAt,
      storedAt: now,
      // the consumer continues the webhook's trace: a reply can continue it in turn (messaging.proto)
      traceId: currentTraceId() ?? null,
    });
    if (!inserted) {
      // Stored meanwhile by a concurrent delivery of the same message (another event id).
      log.debug('patient message already stored');
      return;
    }
    // media: stored pending with the message; the media fetch job fetches the bytes (media.ts)
    await recordInboundMedia(client, event, { tenantId, now });
    await recordInboundActivity(client, tenantId, conversation.id, {
      sentAt,
      previewSealed: await atRest.seal(tenantId, previewOf(content), atRestContext.conversationPreview(conversation.id)),
      displayNameSealed:
        profileName === '' ? null : await atRest.seal(tenantId, profileName, atRestContext.conversationDisplayName(conversation.id)),
      patientId: isUuid(event.patientId) ? event.patientId : null,
      now,
    });
    // STOP / START keywords (templates and consent): consent changed, confirmation queued
    const keyword =
      content.$case === 'text' ? await applyConsentKeyword(client, deps, conversation, { text: content.value.body, sentAt }) : undefined;
    // the inbox: reopen, live event, routing to a team (src/inbox/on-patient-message.ts)
    await onPatientMessage(client, deps, conversation, { messageId: event.messageId, sentAt, content, consentKeyword: keyword !== undefined });
    log.info({ conversation_id: conversation.id, content_kind: content.$case }, 'patient message stored');
  };
}

function checkEvent(event: PatientMessageReceivedV1, context: EventContext): { sentAt: Date } {
  // The consumer's transaction is scoped to the envelope's tenant; a payload naming another one is
  // a producer bug, and writing it would fail row-level security anyway.
  if (event.tenantId.toLowerCase() !== context.tenantId.toLowerCase()) throw invalidEvent('tenant_id differs from the envelope tenant');
  if (!isUuid(event.messageId)) throw invalidEvent('message_id is not a UUID');
  if (event.wamid === '') throw invalidEvent('wamid is empty');
  if (event.phoneNumberId === '') throw invalidEvent('phone_number_id is empty');
  if (event.waIdHash === '') throw invalidEvent('wa_id_hash is empty');
  if (event.sentAt === undefined) throw invalidEvent('sent_at is missing');
  return { sentAt: event.sentAt };
}

/** The patient's conversation, locked for this transaction; created on their first message. */
async function conversationFor(
  client: PoolClient,
  deps: UseCaseDeps,
  patient: { tenantId: string; phoneNumberId: string; waIdHash: string; waId: string; firstMessageAt: Date },
): Promise<ConversationRow> {
  const key = { phoneNumberId: patient.phoneNumberId, waIdHash: patient.waIdHash };
  const existing = await lockConversationForPatient(client, patient.tenantId, key);
  if (existing) return existing;
  const id = randomUUID();
  const atRest = await deps.patientKeys.forPatient(client, patient.tenantId, patient.waIdHash);
  await insertConversation(client, {
    id,
    tenantId: patient.tenantId,
    phoneNumberId: patient.phoneNumberId,
    waIdHash: patient.waIdHash,
    waIdSealed: await atRest.seal(patient.tenantId, patient.waId, atRestContext.conversationWaId(id)),
    lastMessageAt: patient.firstMessageAt,
    createdAt: patient.firstMessageAt,
  });
  // a number records knows: the conversation starts linked to its patient
  await linkNewConversation(client, { tenantId: patient.tenantId, id, waIdHash: patient.waIdHash });
  // Ours, or the one a concurrent first message inserted (ON CONFLICT waited for it).
  const created = await lockConversationForPatient(client, patient.tenantId, key);
  if (!created) throw new Error('conversation vanished after insert');
  return created;
}
