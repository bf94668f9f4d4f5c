// The simulator's whole world, in memory: Meta's side (business numbers, the messages it carried,
// the customer service windows) and the simulated WhatsApp users. Nothing persists across
// restarts, on purpose: every test starts from a known state (`POST /_sim/reset`).
import type { BusinessConfig, PatientConfig } from './config';
import type { WebhookError } from './graph/errors';

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

export interface Pricing {
  billable: boolean;
  pricing_model: 'PMP';
  category: string;
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
  /** back to the configured businesses and patients; all traffic forgotten */
  reset(): void;
}

export const pairKey = (phoneNumberId: string, waId: string): string => `${phoneNumberId}:${waId}`;

export function createStore(initial: { businesses: BusinessConfig[]; patients: PatientConfig[] }): Store {
  const store: Store = {
    businesses: new Map(),
    patients: new Map(),
    outbound: new Map(),
    inbound: new Map(),
    lastInbound: new Map(),
    conversations: new Map(),
    reset() {
      for (const map of [
        store.businesses,
        store.patients,
        store.outbound,
        store.inbound,
        store.lastInbound,
        store.conversations,
      ]) {
        map.clear();
      }
      for (const b of initial.businesses)
        store.businesses.set(b.phone_number_id, { ...b, webhook_verification: null });
      for (const p of initial.patients) store.patients.set(p.wa_id, { ...p });
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
