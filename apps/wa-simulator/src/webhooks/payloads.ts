// Webhook bodies shaped as Meta shapes them (fact sheet section 2): one entry per WABA; a change
// with `field: "messages"` for inbound messages and statuses alike, `user_preferences` for a
// user's marketing preference, `message_template_status_update` for template reviews. Field
// order follows Meta's examples; receivers must not depend on it, but a faithful byte stream is
// the point. `mergeEnvelopes` builds Meta's batched form: several changes in one entry, and
// adjacent changes of one kind folded into one (several messages or statuses in one array).
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

export interface UserPreferenceObject {
  wa_id: string;
  detail: string;
  category: 'marketing_messages';
  value: 'stop' | 'resume';
  /** Unix seconds as a number here: Meta's user_preferences reference documents an integer */
  timestamp: number;
}

export interface TemplateStatusObject {
  event: string;
  message_template_id: number;
  message_template_name: string;
  message_template_language: string;
  reason: string;
  message_template_category?: string;
}

export interface MessagesValue {
  messaging_product: 'whatsapp';
  metadata: { display_phone_number: string; phone_number_id: string };
  contacts?: ContactObject[];
  messages?: Record<string, unknown>[];
  statuses?: StatusObject[];
  user_preferences?: UserPreferenceObject[];
}

export type WebhookChange =
  | { value: MessagesValue; field: 'messages' | 'user_preferences' }
  | { value: TemplateStatusObject; field: 'message_template_status_update' };

export interface WebhookEnvelope {
  object: 'whatsapp_business_account';
  entry: {
    id: string;
    /** Unix seconds; Meta sets it on WABA-level changes such as template updates */
    time?: number;
    changes: WebhookChange[];
  }[];
}

function numberValue(
  business: Business,
  value: Omit<MessagesValue, 'messaging_product' | 'metadata'>,
): MessagesValue {
  return {
    messaging_product: 'whatsapp',
    metadata: {
      display_phone_number: business.display_phone_number,
      phone_number_id: business.phone_number_id,
    },
    ...value,
  };
}

function single(wabaId: string, change: WebhookChange, time?: number): WebhookEnvelope {
  // the WABA id, not the phone number id
  return {
    object: 'whatsapp_business_account',
    entry: [{ id: wabaId, ...(time === undefined ? {} : { time }), changes: [change] }],
  };
}

export function inboundMessageWebhook(
  business: Business,
  contact: ContactObject,
  message: Record<string, unknown>,
): WebhookEnvelope {
  return single(business.waba_id, {
    value: numberValue(business, { contacts: [contact], messages: [message] }),
    field: 'messages',
  });
}

export function statusWebhook(business: Business, status: StatusObject): WebhookEnvelope {
  return single(business.waba_id, {
    value: numberValue(business, { statuses: [status] }),
    field: 'messages',
  });
}

export function userPreferencesWebhook(
  business: Business,
  contact: ContactObject,
  preference: UserPreferenceObject,
): WebhookEnvelope {
  return single(business.waba_id, {
    value: numberValue(business, { contacts: [contact], user_preferences: [preference] }),
    field: 'user_preferences',
  });
}

export function templateStatusWebhook(
  wabaId: string,
  time: number,
  value: TemplateStatusObject,
): WebhookEnvelope {
  return single(wabaId, { value, field: 'message_template_status_update' }, time);
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

type Foldable = 'messages' | 'statuses' | 'user_preferences';

function foldableKind(change: WebhookChange): Foldable | null {
  if (change.field === 'message_template_status_update') return null;
  if (change.field === 'user_preferences') return 'user_preferences';
  if (change.value.messages) return 'messages';
  if (change.value.statuses) return 'statuses';
  return null;
}

/**
 * Several webhooks of one business number as one batched POST: one entry, the changes in order,
 * adjacent changes of the same kind folded into one (contacts deduplicated by wa_id).
 */
export function mergeEnvelopes(envelopes: readonly WebhookEnvelope[]): WebhookEnvelope {
  const first = envelopes[0]?.entry[0];
  if (!first) throw new Error('nothing to merge');
  const changes: WebhookChange[] = [];
  let time: number | undefined;
  for (const envelope of envelopes) {
    for (const entry of envelope.entry) {
      time ??= entry.time;
      for (const change of entry.changes) {
        const last = changes.at(-1);
        const kind = foldableKind(change);
        if (
          last &&
          kind !== null &&
          foldableKind(last) === kind &&
          last.field !== 'message_template_status_update' &&
          change.field !== 'message_template_status_update'
        ) {
          const into = last.value;
          const from = change.value;
          if (from.contacts) {
            const known = new Set((into.contacts ?? []).map((c) => c.wa_id));
            into.contacts = [...(into.contacts ?? []), ...from.contacts.filter((c) => !known.has(c.wa_id))];
          }
          if (from.messages) into.messages = [...(into.messages ?? []), ...from.messages];
          if (from.statuses) into.statuses = [...(into.statuses ?? []), ...from.statuses];
          if (from.user_preferences)
            into.user_preferences = [...(into.user_preferences ?? []), ...from.user_preferences];
        } else {
          changes.push(structuredClone(change));
        }
      }
    }
  }
  return {
    object: 'whatsapp_business_account',
    entry: [{ id: first.id, ...(time === undefined ? {} : { time }), changes }],
  };
}
