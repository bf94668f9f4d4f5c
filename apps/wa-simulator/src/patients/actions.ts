// What a simulated patient does on their phone: write to a business (which opens the customer
// service window and produces the inbound webhook), read what they received (read statuses),
// and look at their chat (the inbox).
import { z } from 'zod';
import { unixSeconds, type Clock } from '../clock';
import { PatientSchema } from '../config';
import type { IdGenerator } from '../ids';
import type { MessageLifecycle } from '../outbound/lifecycle';
import { pairKey, type InboundMessage, type OutboundMessage, type Patient, type Store } from '../store';
import type { WebhookDispatcher } from '../webhooks/dispatcher';
import { inboundMessageWebhook } from '../webhooks/payloads';
import { ControlError, notFound } from '../control/errors';
import { inboundTextFields, textMessageObject } from './inbound-types/text';

export const PatientMessageSchema = z.strictObject({
  phone_number_id: z.string().min(1),
  /** the business message this one replies to (shown as a quote; webhook `context`) */
  context: z.strictObject({ message_id: z.string().min(1) }).optional(),
  /** creates the patient with this profile name if they were not registered */
  profile_name: z.string().min(1).max(256).optional(),
  ...inboundTextFields,
});
export type PatientMessageRequest = z.infer<typeof PatientMessageSchema>;

export const PatientReadSchema = z.strictObject({ phone_number_id: z.string().min(1).optional() });

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
}

export interface PatientActions {
  list(): Patient[];
  get(waId: string): Patient;
  upsert(input: z.input<typeof PatientSchema>): Patient;
  sendMessage(waId: string, request: PatientMessageRequest): PatientMessageResult;
  /** reads every message received (from one number, or all): read statuses go out */
  readAll(waId: string, phoneNumberId: string | undefined): { read: string[] };
  inbox(waId: string, phoneNumberId: string | undefined): InboxEntry[];
  /** what the patient sent, with whether the business read it */
  sent(waId: string): InboundMessage[];
}

export interface PatientDeps {
  store: Store;
  dispatcher: WebhookDispatcher;
  lifecycle: MessageLifecycle;
  ids: IdGenerator;
  clock: Clock;
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

  return {
    list: () => [...store.patients.values()],
    get,
    upsert(input) {
      const patient = PatientSchema.parse(input);
      store.patients.set(patient.wa_id, patient);
      return patient;
    },

    sendMessage(waId, request) {
      if (!/^\d{1,32}$/.test(waId)) throw new ControlError(400, 'invalid_wa_id', 'wa_id must be digits only');
      const business = store.businesses.get(request.phone_number_id);
      if (!business) throw notFound('business');
      let patient = store.patients.get(waId);
      if (!patient) {
        patient = PatientSchema.parse({ wa_id: waId, profile_name: request.profile_name });
        store.patients.set(waId, patient);
      }
      if (!patient.on_whatsapp)
        throw new ControlError(
          409,
          'patient_not_on_whatsapp',
          'this patient is configured as not on WhatsApp',
        );

      let context: { from: string; id: string } | undefined;
      if (request.context) {
        const quoted = store.outbound.get(request.context.message_id);
        if (!quoted || quoted.wa_id !== waId || quoted.phone_number_id !== business.phone_number_id) {
          throw new ControlError(
            422,
            'unknown_context_message',
            'context.message_id is not a message this business sent to this patient',
          );
        }
        context = { from: business.display_phone_number, id: quoted.id };
      }

      const now = clock.now();
      const id = ids.inboundWamid(waId);
      const timestamp = unixSeconds(now);
      const message: Record<string, unknown> = {
        ...(context ? { context } : {}),
        from: waId,
        id,
        timestamp,
        ...textMessageObject(request),
      };
      store.inbound.set(id, {
        id,
        phone_number_id: business.phone_number_id,
        from: waId,
        type: request.type,
        timestamp,
        message,
        read_at: null,
        typing_indicator_at: null,
      });
      // every message from the patient opens (or renews) the customer service window
      store.lastInbound.set(pairKey(business.phone_number_id, waId), now);

      const delivery = deps.dispatcher.enqueue(
        business,
        inboundMessageWebhook(business, { profile: { name: patient.profile_name }, wa_id: waId }, message),
        { kind: 'message', message_id: id },
      );
      return { id, timestamp, delivery_id: delivery.id };
    },

    readAll(waId, phoneNumberId) {
      const read: string[] = [];
      for (const m of received(waId, phoneNumberId)) {
        if (m.failure !== null || m.status === 'read') continue;
        deps.lifecycle.advance(m, 'read');
        read.push(m.id);
      }
      return { read };
    },

    inbox(waId, phoneNumberId) {
      return received(waId, phoneNumberId).map((m) => ({
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
      }));
    },

    sent: (waId) => [...store.inbound.values()].filter((m) => m.from === waId),
  };
}
