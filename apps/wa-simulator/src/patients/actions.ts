// What a simulated patient does on their phone: write to a business (text, taps on buttons and
// list rows, template quick replies, photos and documents, locations, reactions; each opens the
// customer service window and produces the inbound webhook), stop or resume marketing messages
// (a `user_preferences` webhook), read what they received (read statuses), and look at their chat.
import { z } from 'zod';
import { unixSeconds, type Clock } from '../clock';
import { PatientSchema } from '../config';
import type { IdGenerator } from '../ids';
import type { RateLimits } from '../limits/limits';
import type { MediaLibrary } from '../media/library';
import type { MessageLifecycle } from '../outbound/lifecycle';
import {
  pairKey,
  type Business,
  type InboundMessage,
  type OutboundMessage,
  type Patient,
  type Store,
} from '../store';
import type { WebhookDispatcher } from '../webhooks/dispatcher';
import { inboundMessageWebhook, userPreferencesWebhook } from '../webhooks/payloads';
import { ControlError, notFound } from '../control/errors';
import { INBOUND_KINDS, PatientMessageSchema, type PatientMessageRequest } from './inbound-types';

export { PatientMessageSchema, type PatientMessageRequest };

export const PatientReadSchema = z.strictObject({ phone_number_id: z.string().min(1).optional() });

export const MarketingPreferenceSchema = z.strictObject({
  phone_number_id: z.string().min(1),
  value: z.enum(['stop', 'resume']),
});

export interface PatientMessageResult {
  id: string;
  timestamp: string;
  delivery_id: string;
}

export interface InboxEntry {
  id: string;
  phone_number_id: string;
  to: string;
  type: string;
  content: unknown;
  context: { message_id: string } | null;
  accepted_at: string;
  status: OutboundMessage['status'];
  statuses: OutboundMessage['statuses'];
  pricing: OutboundMessage['pricing'];
  /** templates: as the patient sees it, parameters filled in, buttons with their payloads */
  template: OutboundMessage['template'];
  /** the error of a failed message (code and title; the business's view) */
  failure: { code: number; title: string } | null;
}

/** One line of a chat as the patient's phone shows it, oldest first. */
export type ChatEntry =
  | ({ direction: 'business'; at: string } & InboxEntry)
  | {
      direction: 'patient';
      at: string;
      id: string;
      phone_number_id: string;
      type: string;
      /** the message object of the webhook */
      message: Record<string, unknown>;
      /** when the business marked it read (blue ticks) */
      read_at: string | null;
    };

export interface PatientActions {
  list(): Patient[];
  get(waId: string): Patient;
  upsert(input: z.input<typeof PatientSchema>): Patient;
  sendMessage(waId: string, request: PatientMessageRequest): PatientMessageResult;
  setMarketing(
    waId: string,
    request: z.infer<typeof MarketingPreferenceSchema>,
  ): { value: 'stop' | 'resume'; timestamp: number; delivery_id: string };
  /** reads every message received (from one number, or all): read statuses go out */
  readAll(waId: string, phoneNumberId: string | undefined): { read: string[] };
  inbox(waId: string, phoneNumberId: string | undefined): InboxEntry[];
  /** what the patient sent, with whether the business read it */
  sent(waId: string): InboundMessage[];
  chat(waId: string, phoneNumberId: string | undefined): ChatEntry[];
}

export interface PatientDeps {
  store: Store;
  dispatcher: WebhookDispatcher;
  lifecycle: MessageLifecycle;
  ids: IdGenerator;
  clock: Clock;
  media: MediaLibrary;
  limits: RateLimits;
}

export function createPatientActions(deps: PatientDeps): PatientActions {
  const { store, ids, clock } = deps;

  function get(waId: string): Patient {
    const patient = store.patients.get(waId);
    if (!patient) throw notFound('patient');
    return patient;
  }

  function received(waId: string, phoneNumberId: string | undefined): OutboundMessage[] {
    return [...store.outbound.values()].filter(
      (m) => m.wa_id === waId && (phoneNumberId === undefined || m.phone_number_id === phoneNumberId),
    );
  }

  /** the business and the patient (created on first contact), or the reason they cannot talk */
  function parties(
    waId: string,
    phoneNumberId: string,
    profileName?: string,
  ): { business: Business; patient: Patient } {
    if (!/^\d{1,32}$/.test(waId)) throw new ControlError(400, 'invalid_wa_id', 'wa_id must be digits only');
    const business = store.businesses.get(phoneNumberId);
    if (!business) throw notFound('business');
    let patient = store.patients.get(waId);
    if (!patient) {
      patient = PatientSchema.parse({ wa_id: waId, profile_name: profileName });
      store.patients.set(waId, patient);
    }
    if (!patient.on_whatsapp)
      throw new ControlError(409, 'patient_not_on_whatsapp', 'this patient is configured as not on WhatsApp');
    return { business, patient };
  }

  function inboxEntry(m: OutboundMessage): InboxEntry {
    return {
      id: m.id,
      phone_number_id: m.phone_number_id,
      to: m.to,
      type: m.type,
      content: m.content,
      context: m.context,
      accepted_at: new Date(m.accepted_at).toISOString(),
      status: m.status,
      statuses: m.statuses,
      pricing: m.pricing,
      template: m.template,
      failure: m.status === 'failed' && m.failure ? { code: m.failure.code, title: m.failure.title } : null,
    };
  }

  return {
    list: () => [...store.patients.values()],
    get,
    upsert(input) {
      const patient = PatientSchema.parse(input);
      store.patients.set(patient.wa_id, patient);
      return patient;
    },

    sendMessage(waId, request) {
      const { business, patient } = parties(waId, request.phone_number_id, request.profile_name);
      const kind = INBOUND_KINDS.get(request.type);
      if (!kind) throw new ControlError(400, 'invalid_request', 'unknown message type');

      let quoted: OutboundMessage | undefined;
      if (request.context) {
        quoted = store.outbound.get(request.context.message_id);
        if (!quoted || quoted.wa_id !== waId || quoted.phone_number_id !== business.phone_number_id) {
          throw new ControlError(
            422,
            'unknown_context_message',
            'context.message_id is not a message this business sent to this patient',
          );
        }
        // a message that never reached the phone cannot be answered
        if (quoted.status === 'failed' || quoted.failure !== null)
          throw new ControlError(422, 'unknown_context_message', 'context.message_id was not delivered');
      } else if (kind.needsContext) {
        throw new ControlError(
          400,
          'invalid_request',
          'context.message_id: required for a reply to a button',
        );
      }
      const typeObject = kind.build(request as never, {
        business,
        waId,
        store,
        media: deps.media,
        quoted,
      });

      const now = clock.now();
      const id = ids.inboundWamid(waId);
      const timestamp = unixSeconds(now);
      const message: Record<string, unknown> = {
        ...(quoted ? { context: { from: business.display_phone_number, id: quoted.id } } : {}),
        from: waId,
        id,
        timestamp,
        ...typeObject,
      };
      store.inbound.set(id, {
        id,
        phone_number_id: business.phone_number_id,
        from: waId,
        type: request.type,
        timestamp,
        message,
        received_at: now,
        read_at: null,
        typing_indicator_at: null,
      });
      // every message from the patient opens (or renews) the customer service window, and Meta
      // counts it in the number's throughput
      store.lastInbound.set(pairKey(business.phone_number_id, waId), now);
      deps.limits.countInbound(business.phone_number_id);

      const delivery = deps.dispatcher.enqueue(
        business,
        inboundMessageWebhook(business, { profile: { name: patient.profile_name }, wa_id: waId }, message),
        { kind: 'message', message_id: id },
      );
      return { id, timestamp, delivery_id: delivery.id };
    },

    setMarketing(waId, request) {
      const { business, patient } = parties(waId, request.phone_number_id);
      const key = pairKey(business.phone_number_id, waId);
      const now = clock.now();
      if (request.value === 'stop') store.marketingStops.set(key, now);
      else store.marketingStops.delete(key);
      const timestamp = Math.floor(now / 1000);
      const delivery = deps.dispatcher.enqueue(
        business,
        userPreferencesWebhook(
          business,
          { profile: { name: patient.profile_name }, wa_id: waId },
          {
            wa_id: waId,
            detail:
              request.value === 'stop'
                ? 'User requested to stop marketing messages'
                : 'User requested to resume marketing messages',
            category: 'marketing_messages',
            value: request.value,
            timestamp,
          },
        ),
        { kind: 'user_preferences', message_id: null },
      );
      return { value: request.value, timestamp, delivery_id: delivery.id };
    },

    readAll(waId, phoneNumberId) {
      const read: string[] = [];
      for (const m of received(waId, phoneNumberId)) {
        if (m.failure !== null || m.status === 'read') continue;
        deps.lifecycle.advance(m, 'read');
        // a message whose media Meta is still fetching does not move yet
        if (m.statuses.some((s) => s.status === 'read')) read.push(m.id);
      }
      return { read };
    },

    inbox: (waId, phoneNumberId) => received(waId, phoneNumberId).map(inboxEntry),

    sent: (waId) => [...store.inbound.values()].filter((m) => m.from === waId),

    chat(waId, phoneNumberId) {
      get(waId);
      const entries: { ms: number; entry: ChatEntry }[] = [
        ...received(waId, phoneNumberId).map((m) => ({
          ms: m.accepted_at,
          entry: {
            direction: 'business' as const,
            at: new Date(m.accepted_at).toISOString(),
            ...inboxEntry(m),
          },
        })),
        ...[...store.inbound.values()]
          .filter(
            (m) => m.from === waId && (phoneNumberId === undefined || m.phone_number_id === phoneNumberId),
          )
          .map((m) => ({
            ms: m.received_at,
            entry: {
              direction: 'patient' as const,
              at: new Date(m.received_at).toISOString(),
              id: m.id,
              phone_number_id: m.phone_number_id,
              type: m.type,
              message: m.message,
              read_at: m.read_at,
            },
          })),
      ];
      // stable: equal times keep business-then-patient insertion order
      return entries.sort((a, b) => a.ms - b.ms).map((e) => e.entry);
    },
  };
}
