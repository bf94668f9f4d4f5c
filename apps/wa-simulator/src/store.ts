// The simulator's whole world, in memory: Meta's side (business numbers, the messages it carried,
// the customer service windows) and the simulated WhatsApp users. Nothing persists across
// restarts, on purpose: every test starts from a known state (`POST /_sim/reset`).
import type { BusinessConfig, PatientConfig } from './config';
import type { WebhookError } from './graph/errors';
import type { Template } from './templates/schema';
import type { RenderedTemplate } from './templates/hydrate';

export interface WebhookVerification {
  /** true when the receiver answered 200 with exactly the challenge */
  verified: boolean;
  at: string;
  url: string;
  challenge: string;
  status_code: number | null;
  /** network error or timeout, when there was no HTTP answer */
  error: string | null;
}

export interface Business extends BusinessConfig {
  webhook_verification: WebhookVerification | null;
}

export type Patient = PatientConfig;

export type OutboundStatus = 'accepted' | 'sent' | 'delivered' | 'read' | 'failed';

export interface StatusEvent {
  status: Exclude<OutboundStatus, 'accepted'>;
  /** Unix seconds, as in the webhook */
  timestamp: string;
  errors?: WebhookError[];
}

/** what Meta prices a message as (the status webhook's `pricing.category`) */
export type PricingCategory = 'service' | 'marketing' | 'utility' | 'authentication';

export interface Pricing {
  billable: boolean;
  pricing_model: 'PMP';
  category: PricingCategory;
  type: 'regular' | 'free_customer_service' | 'free_entry_point';
}

export interface Conversation {
  id: string;
  /** epoch ms */
  expires_at: number;
  origin: string;
}

/** A message a business sent through the Graph API. */
export interface OutboundMessage {
  id: string;
  phone_number_id: string;
  /** `to` exactly as the business wrote it */
  to: string;
  wa_id: string;
  type: string;
  /** the type object of the request (`text: {body}` …), as received */
  content: unknown;
  context: { message_id: string } | null;
  /** echoed on every status webhook of this message, as Meta does */
  biz_opaque_callback_data: string | null;
  /** epoch ms */
  accepted_at: number;
  status: OutboundStatus;
  statuses: StatusEvent[];
  pricing: Pricing | null;
  conversation: Conversation | null;
  /** set at acceptance for a message Meta takes but will not deliver: its `failed` status error */
  failure: WebhookError | null;
  /** service for free-form messages; a template's category otherwise */
  category: PricingCategory;
  /** a template message as the patient sees it: parameters filled in, buttons with payloads */
  template: RenderedTemplate | null;
}

/** A file in Meta's media store: uploaded by a business, or sent by a patient. */
export interface MediaItem {
  /** digits, like Meta's media ids */
  id: string;
  /** the number it was uploaded on (business) or sent to (patient) */
  phone_number_id: string;
  /** the WABA whose tokens may read it */
  waba_id: string;
  origin: 'business' | 'patient';
  mime_type: string;
  /** lower-case hex of the SHA-256 of the bytes */
  sha256_hex: string;
  file_size: number;
  filename: string | null;
  bytes: Buffer;
  /** epoch ms */
  created_at: number;
  /** epoch ms: 30 days for uploads, 7 days for media patients sent (Meta's lifetimes) */
  expires_at: number;
}

/** A message a simulated patient sent to a business. */
export interface InboundMessage {
  id: string;
  phone_number_id: string;
  from: string;
  type: string;
  timestamp: string;
  /** the message object exactly as put in the webhook */
  message: Record<string, unknown>;
  /** epoch ms on the simulator's clock (orders a chat finer than `timestamp`) */
  received_at: number;
  /** when the business marked it read (blue ticks on the patient's phone) */
  read_at: string | null;
  typing_indicator_at: string | null;
}

export interface Store {
  businesses: Map<string, Business>;
  patients: Map<string, Patient>;
  outbound: Map<string, OutboundMessage>;
  inbound: Map<string, InboundMessage>;
  /** epoch ms of the patient's last message to a number, by `pairKey` (opens the window) */
  lastInbound: Map<string, number>;
  /** the open service conversation of a pair, by `pairKey` */
  conversations: Map<string, Conversation>;
  /** templates by `templateKey`; shared defaults under the WABA `*` */
  templates: Map<string, Template>;
  media: Map<string, MediaItem>;
  /** epoch ms a patient stopped marketing messages from a business number, by `pairKey` */
  marketingStops: Map<string, number>;
  /** back to the configured businesses, patients and templates; all traffic forgotten */
  reset(): void;
}

export const pairKey = (phoneNumberId: string, waId: string): string => `${phoneNumberId}:${waId}`;

export const templateKey = (wabaId: string | null, name: string, language: string): string =>
  `${wabaId ?? '*'}:${name}:${language}`;

export function createStore(initial: {
  businesses: BusinessConfig[];
  patients: PatientConfig[];
  templates?: Template[];
}): Store {
  const store: Store = {
    businesses: new Map(),
    patients: new Map(),
    outbound: new Map(),
    inbound: new Map(),
    lastInbound: new Map(),
    conversations: new Map(),
    templates: new Map(),
    media: new Map(),
    marketingStops: new Map(),
    reset() {
      for (const map of [
        store.businesses,
        store.patients,
        store.outbound,
        store.inbound,
        store.lastInbound,
        store.conversations,
        store.templates,
        store.media,
        store.marketingStops,
      ]) {
        map.clear();
      }
      for (const b of initial.businesses)
        store.businesses.set(b.phone_number_id, { ...b, webhook_verification: null });
      for (const p of initial.patients) store.patients.set(p.wa_id, { ...p });
      for (const t of initial.templates ?? [])
        store.templates.set(templateKey(t.waba_id, t.name, t.language), structuredClone(t));
    },
  };
  store.reset();
  return store;
}

/** The patient a Graph `to` reaches: by wa_id, or by a patient's distinct phone number. */
export function findPatientByNumber(store: Store, digits: string): Patient | undefined {
  const direct = store.patients.get(digits);
  if (direct) return direct;
  for (const p of store.patients.values()) if (p.phone_number === digits) return p;
  return undefined;
}
