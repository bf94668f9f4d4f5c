// Rows → MessagingService responses, opening the sealed columns. Responses carry patient data in
// clear by contract (messaging.proto); nothing here logs.
import {
  ContactState,
  type Conversation,
  ConversationStatus,
  type Message,
  MessageDirection,
  MessageState,
} from '@careline/contracts';
import { type ConversationRow } from '../db/conversations';
import { type MessageRow } from '../db/messages';
import { decodeContent } from '../domain/content';
import { type AtRest, atRestContext } from '../domain/sealing';
import { type MessageStateName } from '../domain/status';
import { windowOpenUntil } from '../domain/window';
import { firstResponseDueAt, slaBreached } from '../domain/sla';

const STATE: Record<MessageStateName, MessageState> = {
  received: MessageState.MESSAGE_STATE_RECEIVED,
  queued: MessageState.MESSAGE_STATE_QUEUED,
  sent: MessageState.MESSAGE_STATE_SENT,
  delivered: MessageState.MESSAGE_STATE_DELIVERED,
  read: MessageState.MESSAGE_STATE_READ,
  failed: MessageState.MESSAGE_STATE_FAILED,
};

/**
 * `access.breakGlassUntil`: the caller's grant for a restricted conversation. Without one, a
 * restricted conversation shows no name, number or preview: those are never even decrypted.
 */
export async function conversationView(
  atRest: AtRest,
  row: ConversationRow,
  access: { breakGlassUntil?: Date; now?: Date } = {},
): Promise<Conversation> {
  const withheld = row.restricted && access.breakGlassUntil === undefined;
  const open = (stored: Uint8Array | null, context: string): Promise<string> =>
    stored === null || withheld ? Promise.resolve('') : atRest.openString(row.tenant_id, stored, context);
  const [waId, displayName, preview] = await Promise.all([
    open(row.wa_id_sealed, atRestContext.conversationWaId(row.id)),
    open(row.display_name_sealed, atRestContext.conversationDisplayName(row.id)),
    open(row.last_message_preview_sealed, atRestContext.conversationPreview(row.id)),
  ]);
  return {
    id: row.id,
    tenantId: row.tenant_id,
    phoneNumberId: row.phone_number_id,
    patientId: row.patient_id ?? '',
    // a patient id comes only from records' registry or a staff link (db/patient-links.ts)
    contactState: row.patient_id === null ? ContactState.CONTACT_STATE_UNVERIFIED : ContactState.CONTACT_STATE_LINKED,
    patientWaIdHash: row.wa_id_hash,
    patientDisplayName: displayName,
    patientPhoneNumber: withheld ? '' : `+${waId}`,
    lastMessageAt: row.last_message_at,
    lastMessagePreview: preview,
    windowOpenUntil: windowOpenUntil(row.last_inbound_at) ?? undefined,
    unreadCount: row.unread_count,
    assignedTo: row.assigned_to ?? '',
    optedOut: row.opted_out,
    createdAt: row.created_at,
    restricted: row.restricted,
    breakGlassUntil: row.restricted ? access.breakGlassUntil : undefined,
    ...inboxFields(row, access.now ?? new Date()),
  };
}

const STATUS: Record<ConversationRow['status'], ConversationStatus> = {
  open: ConversationStatus.CONVERSATION_STATUS_OPEN,
  pending: ConversationStatus.CONVERSATION_STATUS_PENDING,
  closed: ConversationStatus.CONVERSATION_STATUS_CLOSED,
};

/** State, assignment, episode times and the first-response SLA (README "The inbox"). */
function inboxFields(row: ConversationRow, now: Date) {
  const sla = { openedAt: row.opened_at, firstResponseAt: row.first_response_at, targetMinutes: row.team_sla_minutes };
  return {
    status: STATUS[row.status],
    teamId: row.team_id ?? '',
    openedAt: row.opened_at,
    firstResponseAt: row.first_response_at ?? undefined,
    closedAt: row.closed_at ?? undefined,
    firstResponseDueAt: firstResponseDueAt(sla),
    slaBreached: slaBreached(sla, now),
  };
}

export async function messageView(atRest: AtRest, row: MessageRow): Promise<Message> {
  const plaintext = await atRest.open(row.tenant_id, row.content_sealed, atRestContext.messageContent(row.id));
  return {
    id: row.id,
    conversationId: row.conversation_id,
    direction: row.direction === 'inbound' ? MessageDirection.MESSAGE_DIRECTION_INBOUND : MessageDirection.MESSAGE_DIRECTION_OUTBOUND,
    wamid: row.wamid ?? '',
    status: {
      state: STATE[row.state],
      errorCode: row.error_code ?? '',
      reason: row.error_reason ?? '',
      updatedAt: row.state_at,
    },
    createdAt: row.created_at,
    sentBy: row.sent_by ?? '',
    replyToMessageId: row.reply_to_message_id ?? '',
    traceId: row.trace_id ?? '',
    content: decodeContent(row.content_kind, plaintext),
  };
}
