// A status of an outbound message (as @careline/whatsapp parsed it) → `MessageStatusV1`
// (contracts: proto/careline/events/v1/message_status.proto). Its sealed context id is the wamid.
import { DeliveryStatus, type MessageStatusV1, TOPICS, WA_ID_HASH_PURPOSE } from '@careline/contracts';
import { type Sealer } from '@careline/crypto';
import { type MessageStatus, type StatusEvent } from '@careline/whatsapp';
import { sealerFor } from './seal';
import { toMetaError } from './to-patient-message';

// The gateway sets `biz_opaque_callback_data` to the Careline message id (a UUID). Another app on
// the same WhatsApp Business Account may put anything there, patient data included, so only a
// UUID is taken; anything else leaves `message_id` empty and consumers match on the wamid.
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function messageIdFromCallbackData(data: string | undefined): string {
  return data !== undefined && UUID.test(data) ? data.toLowerCase() : '';
}

const STATUS: Record<MessageStatus, DeliveryStatus> = {
  sent: DeliveryStatus.DELIVERY_STATUS_SENT,
  delivered: DeliveryStatus.DELIVERY_STATUS_DELIVERED,
  read: DeliveryStatus.DELIVERY_STATUS_READ,
  failed: DeliveryStatus.DELIVERY_STATUS_FAILED,
};

export async function toMessageStatus(
  sealer: Sealer,
  input: { tenantId: string; event: StatusEvent },
): Promise<MessageStatusV1> {
  const { tenantId, event } = input;
  const seal = sealerFor(sealer, tenantId, TOPICS.messageStatus, event.wamid);
  return {
    tenantId,
    wamid: event.wamid,
    messageId: messageIdFromCallbackData(event.bizOpaqueCallbackData),
    phoneNumberId: event.phoneNumberId,
    recipientWaId: await seal(event.recipientId),
    recipientWaIdHash: await sealer.blindIndex(tenantId, WA_ID_HASH_PURPOSE, event.recipientId),
    status: STATUS[event.status],
    statusAt: event.date,
    errors: event.errors.map(toMetaError),
    pricing: event.pricing && {
      category: event.pricing.category,
      type: event.pricing.type ?? '',
      pricingModel: event.pricing.pricingModel,
      billable: event.pricing.billable ?? false,
    },
    conversation: event.conversation && {
      id: event.conversation.id,
      originType: event.conversation.originType ?? '',
      expiresAt:
        event.conversation.expirationTimestamp === undefined
          ? undefined
          : new Date(event.conversation.expirationTimestamp * 1000),
    },
  };
}
