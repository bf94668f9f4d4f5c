// The Graph API use-cases: who may call (version segment, bearer token, phone number), and
// `POST /{version}/{phone-number-id}/messages`, which is either a send or a mark-as-read.
// Every refusal is a GraphError; the route renders it in Meta's error shape.
import { z } from 'zod';
import { type Clock } from '../clock';
import { type SettingsHolder } from '../settings';
import { type IdGenerator } from '../ids';
import { type Faults } from '../faults';
import { findPatientByNumber, type Business, type OutboundMessage, type Store } from '../store';
import { type MessageLifecycle } from '../outbound/lifecycle';
import { serviceConversation, serviceMessagePricing } from '../outbound/pricing';
import { isWindowOpen } from '../outbound/window';
import { GraphError, webhookError } from './errors';
import { NOT_YET_SIMULATED, OUTBOUND_TYPES } from './message-types';
import { parseParams } from './params';

/** Any `vNN.0`: Meta serves every live version the same way for this API (fact sheet section 8). */
const VERSION = /^v[1-9]\d*\.0$/;

/** digits with an optional leading `+` and the separators people type */
const PHONE_INPUT = /^\+?[\d\s().-]+$/;

const SendEnvelope = z.object({
  messaging_product: z.literal('whatsapp'),
  recipient_type: z.literal('individual').optional(),
  to: z
    .string()
    .min(1)
    .regex(PHONE_INPUT)
    .refine((to) => digitsOf(to).length >= 5 && digitsOf(to).length <= 20),
  type: z.string().min(1),
  context: z.object({ message_id: z.string().min(1) }).optional(),
  biz_opaque_callback_data: z.string().max(512).optional(),
});

const MarkRead = z.object({
  messaging_product: z.literal('whatsapp'),
  status: z.literal('read'),
  message_id: z.string().min(1),
  typing_indicator: z.object({ type: z.literal('text') }).optional(),
});

export interface SendResponse {
  messaging_product: 'whatsapp';
  contacts: [{ input: string; wa_id: string }];
  messages: [{ id: string; message_status: 'accepted' }];
}

export interface SuccessResponse {
  success: true;
}

export interface GraphApi {
  /** checks the version segment, the token and its right to this phone number */
  authorize(version: string, phoneNumberId: string, token: string | undefined): Business;
  postMessages(business: Business, body: unknown): SendResponse | SuccessResponse;
}

export interface GraphApiDeps {
  store: Store;
  lifecycle: MessageLifecycle;
  faults: Faults;
  ids: IdGenerator;
  clock: Clock;
  settings: SettingsHolder;
}

export function digitsOf(to: string): string {
  return to.replace(/\D/g, '');
}

export function createGraphApi(deps: GraphApiDeps): GraphApi {
  const { store, clock, ids } = deps;

  function authorize(version: string, phoneNumberId: string, token: string | undefined): Business {
    if (!VERSION.test(version)) {
      throw new GraphError(2500, {
        details: 'Unknown path components: the version segment must look like v23.0',
      });
    }
    if (token === undefined || token === '') {
      throw new GraphError(0, {
        details: 'An active access token must be used to query information about the current user.',
      });
    }
    const holders = [...store.businesses.values()].filter((b) => b.access_token === token);
    if (holders.length === 0) throw new GraphError(190);
    const target = store.businesses.get(phoneNumberId);
    // A system-user token covers its whole WABA; anything else is "does not exist or missing
    // permissions" (Meta deliberately does not tell the two apart).
    if (!target || !holders.some((h) => h.waba_id === target.waba_id)) {
      throw new GraphError(100, {
        subcode: 33,
        details: `Unsupported post request. Object with ID '${phoneNumberId}' does not exist, cannot be loaded due to missing permissions, or does not support this operation.`,
      });
    }
    return target;
  }

  function markRead(business: Business, body: unknown): SuccessResponse {
    const request = parseParams(MarkRead, body);
    const target = store.inbound.get(request.message_id);
    if (!target || target.phone_number_id !== business.phone_number_id) {
      throw new GraphError(131009, { details: 'Param message_id is invalid.' });
    }
    // Meta marks the earlier messages of the conversation read as well
    const at = new Date(clock.now()).toISOString();
    for (const m of store.inbound.values()) {
      if (
        m.phone_number_id === business.phone_number_id &&
        m.from === target.from &&
        m.read_at === null &&
        Number(m.timestamp) <= Number(target.timestamp)
      ) {
        m.read_at = at;
      }
    }
    target.read_at ??= at;
    if (request.typing_indicator) target.typing_indicator_at = at;
    return { success: true };
  }

  function send(business: Business, body: unknown): SendResponse {
    const envelope = parseParams(SendEnvelope, body);
    const handler = OUTBOUND_TYPES.get(envelope.type);
    if (!handler) {
      throw new GraphError(131051, {
        details: NOT_YET_SIMULATED.has(envelope.type)
          ? `Message type ${envelope.type} is not simulated yet by wa-simulator.`
          : undefined,
      });
    }
    const content = handler.parse(body);

    const fault = deps.faults.take(business.phone_number_id);
    if (fault?.delivery === 'sync') {
      throw new GraphError(fault.code, {
        details: fault.details ?? undefined,
        httpStatus: fault.http_status ?? undefined,
      });
    }

    const settings = deps.settings.get();
    const dialled = digitsOf(envelope.to);
    const patient = findPatientByNumber(store, dialled);
    const waId = patient?.wa_id ?? dialled;
    const onWhatsApp = patient ? patient.on_whatsapp : settings.unknown_recipients === 'on_whatsapp';
    const windowOpen = isWindowOpen(
      store,
      clock,
      settings.service_window_seconds,
      business.phone_number_id,
      waId,
    );
    const refusedByWindow = onWhatsApp && handler.needsOpenWindow && !windowOpen;
    if (refusedByWindow && settings.window_errors === 'sync') throw new GraphError(131047);

    const failure = fault
      ? webhookError(fault.code, fault.details ?? undefined)
      : !onWhatsApp
        ? webhookError(131026)
        : refusedByWindow
          ? webhookError(131047)
          : null;
    // only a message that will be delivered is priced (and opens a service conversation)
    const service = failure === null && handler.needsOpenWindow && windowOpen;
    const message: OutboundMessage = {
      id: ids.outboundWamid(waId),
      phone_number_id: business.phone_number_id,
      to: envelope.to,
      wa_id: waId,
      type: handler.type,
      content,
      context: envelope.context ?? null,
      biz_opaque_callback_data: envelope.biz_opaque_callback_data ?? null,
      accepted_at: clock.now(),
      status: 'accepted',
      statuses: [],
      pricing: service ? serviceMessagePricing() : null,
      conversation: service
        ? serviceConversation(deps, business.phone_number_id, waId, settings.service_window_seconds * 1000)
        : null,
      failure,
    };
    store.outbound.set(message.id, message);
    deps.lifecycle.start(message);

    return {
      messaging_product: 'whatsapp',
      contacts: [{ input: envelope.to, wa_id: waId }],
      messages: [{ id: message.id, message_status: 'accepted' }],
    };
  }

  return {
    authorize,
    postMessages(business, body) {
      if (typeof body !== 'object' || body === null || Array.isArray(body)) {
        throw new GraphError(100, { details: 'The request body must be a JSON object.' });
      }
      return 'status' in body ? markRead(business, body) : send(business, body);
    },
  };
}
