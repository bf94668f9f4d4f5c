// Webhook bodies shaped as Meta shapes them (fact sheet section 2): one entry per WABA, one
// change with `field: "messages"` for inbound messages and statuses alike. Field order follows
// Meta's examples; receivers must not depend on it, but a faithful byte stream is the point.
import type { Business, Conversation, Pricing } from '../store';
import type { WebhookError } from '../graph/errors';

export interface ContactObject {
  profile: { name: string };
  wa_id: string;
}

export interface StatusObject {
  id: string;
  status: 'sent' | 'delivered' | 'read' | 'failed';
  timestamp: string;
  recipient_id: string;
  biz_opaque_callback_data?: string;
  conversation?: { id: string; expiration_timestamp?: string; origin: { type: string } };
  pricing?: Pricing;
  errors?: WebhookError[];
}

export interface WebhookEnvelope {
  object: 'whatsapp_business_account';
  entry: {
    id: string;
    changes: {
      value: {
        messaging_product: 'whatsapp';
        metadata: { display_phone_number: string; phone_number_id: string };
        contacts?: ContactObject[];
        messages?: Record<string, unknown>[];
        statuses?: StatusObject[];
      };
      field: 'messages';
    }[];
  }[];
}

function envelope(
  business: Business,
  value: Omit<WebhookEnvelope['entry'][number]['changes'][number]['value'], 'messaging_product' | 'metadata'>,
): WebhookEnvelope {
  return {
    object: 'whatsapp_business_account',
    entry: [
      {
        // the WABA id, not the phone number id
        id: business.waba_id,
        changes: [
          {
            value: {
              messaging_product: 'whatsapp',
              metadata: {
                display_phone_number: business.display_phone_number,
                phone_number_id: business.phone_number_id,
              },
              ...value,
            },
            field: 'messages',
          },
        ],
      },
    ],
  };
}

export function inboundMessageWebhook(
  business: Business,
  contact: ContactObject,
  message: Record<string, unknown>,
): WebhookEnvelope {
  return envelope(business, { contacts: [contact], messages: [message] });
}

export function statusWebhook(business: Business, status: StatusObject): WebhookEnvelope {
  return envelope(business, { statuses: [status] });
}

/** The `conversation` object of a status; the expiry only on the first (`sent`) status, as Meta does. */
export function conversationObject(
  conversation: Conversation,
  withExpiry: boolean,
): NonNullable<StatusObject['conversation']> {
  return {
    id: conversation.id,
    ...(withExpiry ? { expiration_timestamp: String(Math.floor(conversation.expires_at / 1000)) } : {}),
    origin: { type: conversation.origin },
  };
}
