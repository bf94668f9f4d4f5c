// The Graph API use-cases: who may call (version segment, bearer token, the object asked for),
// `POST /{version}/{phone-number-id}/messages` (a send or a mark-as-read), the media endpoints and
// the template list. Every refusal is a GraphError; the route renders it in Meta's error shape.
//
// A send is checked in this order; the first refusal answers:
//   133010 number not registered → 131008/131009/100 envelope and type object → 131051 type →
//   132xxx template registry → injected sync fault → 130429 throughput → 131056 pair rate →
//   131047 window (sync mode).
// An accepted send may still fail, asynchronously (a `failed` status), in this order:
//   injected async fault → 131026 not on WhatsApp → 131047 window (async mode) → 131050 marketing
//   stopped → 131048 messaging limit → 131053 media that cannot be fetched.
import { z } from 'zod';
import { type Clock } from '../clock';
import { type SettingsHolder } from '../settings';
import { type IdGenerator } from '../ids';
import { type Faults } from '../faults';
import { type RateLimits } from '../limits/limits';
import { type MediaInfo, type MediaLibrary } from '../media/library';
import { findPatientByNumber, pairKey, type Business, type OutboundMessage, type Store } from '../store';
import { type MessageLifecycle } from '../outbound/lifecycle';
import { serviceConversation, serviceMessagePricing, templatePricing } from '../outbound/pricing';
import { isWindowOpen } from '../outbound/window';
import type { TemplateRegistry } from '../templates/registry';
import { GraphError, webhookError } from './errors';
import { NOT_YET_SIMULATED, OUTBOUND_TYPES, type SendContext } from './message-types';
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

/** The multipart form of a media upload, as the route read it. */
export interface UploadForm {
  messaging_product: string | undefined;
  type: string | undefined;
  file: { bytes: Buffer; filename: string | null } | undefined;
}

export interface GraphTemplate {
  name: string;
  components: unknown[];
  language: string;
  status: string;
  category: string;
  id: string;
}

export interface GraphApi {
  /** checks the version segment, the token and its right to this phone number */
  authorize(version: string, phoneNumberId: string, token: string | undefined): Business;
  postMessages(business: Business, body: unknown): SendResponse | SuccessResponse;
  uploadMedia(business: Business, form: UploadForm): { id: string };
  getMedia(
    version: string,
    mediaId: string,
    token: string | undefined,
    phoneNumberId: string | undefined,
    baseUrl: string,
  ): MediaInfo;
  deleteMedia(
    version: string,
    mediaId: string,
    token: string | undefined,
    phoneNumberId: string | undefined,
  ): SuccessResponse;
  listTemplates(
    version: string,
    wabaId: string,
    token: string | undefined,
  ): { data: GraphTemplate[]; paging: { cursors: { before: string; after: string } } };
  /** the WABAs a token covers (for the media download URL) */
  wabasOf(token: string): Set<string>;
}

export interface GraphApiDeps {
  store: Store;
  lifecycle: MessageLifecycle;
  faults: Faults;
  ids: IdGenerator;
  clock: Clock;
  settings: SettingsHolder;
  limits: RateLimits;
  media: MediaLibrary;
  templates: TemplateRegistry;
}

export function digitsOf(to: string): string {
  return to.replace(/\D/g, '');
}

export function createGraphApi(deps: GraphApiDeps): GraphApi {
  const { store, clock, ids } = deps;

  function checkVersion(version: string): void {
    if (!VERSION.test(version)) {
      throw new GraphError(2500, {
        details: 'Unknown path components: the version segment must look like v23.0',
      });
    }
  }

  /** the businesses holding this token; 0 or 190 when there are none */
  function holdersOf(token: string | undefined): Business[] {
    if (token === undefined || token === '') {
      throw new GraphError(0, {
        details: 'An active access token must be used to query information about the current user.',
      });
    }
    const holders = [...store.businesses.values()].filter((b) => b.access_token === token);
    if (holders.length === 0) throw new GraphError(190);
    return holders;
  }

  const wabasOf = (token: string) =>
    new Set([...store.businesses.values()].filter((b) => b.access_token === token).map((b) => b.waba_id));

  function noSuchObject(method: string, id: string): GraphError {
    // Meta deliberately does not tell "does not exist" from "missing permissions"
    return new GraphError(100, {
      subcode: 33,
      details: `Unsupported ${method} request. Object with ID '${id}' does not exist, cannot be loaded due to missing permissions, or does not support this operation.`,
    });
  }

  function authorize(version: string, phoneNumberId: string, token: string | undefined): Business {
    checkVersion(version);
    const holders = holdersOf(token);
    const target = store.businesses.get(phoneNumberId);
    // a system-user token covers its whole WABA
    if (!target || !holders.some((h) => h.waba_id === target.waba_id))
      throw noSuchObject('post', phoneNumberId);
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
    const settings = deps.settings.get();
    const dialled = digitsOf(envelope.to);
    const patient = findPatientByNumber(store, dialled);
    const waId = patient?.wa_id ?? dialled;
    const context: SendContext = {
      business,
      waId,
      findTemplate: (name, language) => deps.templates.find(business.waba_id, name, language),
      isChatMessage: (wamid) => {
        const inbound = store.inbound.get(wamid);
        if (inbound) return inbound.phone_number_id === business.phone_number_id && inbound.from === waId;
        const outbound = store.outbound.get(wamid);
        return (
          outbound !== undefined &&
          outbound.phone_number_id === business.phone_number_id &&
          outbound.wa_id === waId
        );
      },
    };
    const parsed = handler.parse(body, context);

    const fault = deps.faults.take(business.phone_number_id);
    if (fault?.delivery === 'sync') {
      throw new GraphError(fault.code, {
        details: fault.details ?? undefined,
        httpStatus: fault.http_status ?? undefined,
      });
    }
    switch (deps.limits.check(business.phone_number_id, waId)) {
      case 'throughput':
        throw new GraphError(130429, { subcode: 2494055 });
      case 'pair':
        throw new GraphError(131056);
      case null:
        break;
    }

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
    deps.limits.take(business.phone_number_id, waId);

    const category = parsed.category ?? 'service';
    const marketingStopped =
      category === 'marketing' && store.marketingStops.has(pairKey(business.phone_number_id, waId));
    let failure = fault
      ? webhookError(fault.code, fault.details ?? undefined)
      : !onWhatsApp
        ? webhookError(131026)
        : refusedByWindow
          ? webhookError(131047)
          : marketingStopped
            ? webhookError(131050)
            : null;
    // a template outside the window opens a business-initiated conversation: the messaging limit
    if (failure === null && category !== 'service' && !windowOpen) {
      if (!deps.limits.admitBusinessInitiated(business.waba_id, waId)) {
        const limit = settings.messaging_limit;
        failure = webhookError(
          131048,
          `The business reached its messaging limit of ${String(limit)} unique users in 24 hours.`,
        );
      }
    }
    // only a message that will be delivered is priced (and a service one opens a conversation)
    const pricing =
      failure !== null
        ? null
        : category === 'service'
          ? serviceMessagePricing()
          : templatePricing(category, windowOpen);
    const message: OutboundMessage = {
      id: ids.outboundWamid(waId),
      phone_number_id: business.phone_number_id,
      to: envelope.to,
      wa_id: waId,
      type: handler.type,
      content: parsed.content,
      context: envelope.context ?? null,
      biz_opaque_callback_data: envelope.biz_opaque_callback_data ?? null,
      accepted_at: clock.now(),
      status: 'accepted',
      statuses: [],
      pricing,
      conversation:
        failure === null && category === 'service'
          ? serviceConversation(deps, business.phone_number_id, waId, settings.service_window_seconds * 1000)
          : null,
      failure,
      category,
      template: parsed.template ?? null,
    };
    store.outbound.set(message.id, message);
    const media = parsed.media ?? [];
    deps.lifecycle.start(
      message,
      failure === null && media.length > 0
        ? deps.media
            .preflight(media, business)
            .then((problem) => (problem ? webhookError(131053, problem) : null))
        : undefined,
    );

    return {
      messaging_product: 'whatsapp',
      contacts: [{ input: envelope.to, wa_id: waId }],
      messages: [{ id: message.id, message_status: 'accepted' }],
    };
  }

  function mediaCaller(version: string, token: string | undefined): Set<string> {
    checkVersion(version);
    return new Set(holdersOf(token).map((b) => b.waba_id));
  }

  return {
    authorize,
    wabasOf,
    postMessages(business, body) {
      if (business.registered === false) {
        throw new GraphError(133010, {
          details: 'The phone number is not registered on the WhatsApp Business Platform.',
        });
      }
      if (typeof body !== 'object' || body === null || Array.isArray(body)) {
        throw new GraphError(100, { details: 'The request body must be a JSON object.' });
      }
      return 'status' in body ? markRead(business, body) : send(business, body);
    },

    uploadMedia(business, form) {
      // Graph reports the parameters of this endpoint as 100, "(#100) The parameter … is required"
      if (form.messaging_product === undefined)
        throw new GraphError(100, { details: 'The parameter messaging_product is required.' });
      if (form.messaging_product !== 'whatsapp')
        throw new GraphError(100, { details: 'Param messaging_product must be whatsapp.' });
      if (form.file === undefined) throw new GraphError(100, { details: 'The parameter file is required.' });
      if (form.type === undefined || form.type === '')
        throw new GraphError(100, { details: 'The parameter type is required.' });
      const item = deps.media.upload(business, {
        bytes: form.file.bytes,
        mimeType: form.type,
        filename: form.file.filename,
      });
      return { id: item.id };
    },

    getMedia(version, mediaId, token, phoneNumberId, baseUrl) {
      const wabas = mediaCaller(version, token);
      return deps.media.info(deps.media.find(mediaId, wabas, phoneNumberId, 'GET'), baseUrl);
    },

    deleteMedia(version, mediaId, token, phoneNumberId) {
      const wabas = mediaCaller(version, token);
      deps.media.remove(deps.media.find(mediaId, wabas, phoneNumberId, 'DELETE'));
      return { success: true };
    },

    listTemplates(version, wabaId, token) {
      checkVersion(version);
      if (!holdersOf(token).some((b) => b.waba_id === wabaId)) throw noSuchObject('get', wabaId);
      const data = deps.templates.list(wabaId).map((t) => ({
        name: t.name,
        components: t.components,
        language: t.language,
        status: t.status,
        category: t.category,
        id: t.id,
      }));
      const cursor = Buffer.from('0').toString('base64');
      return { data, paging: { cursors: { before: cursor, after: cursor } } };
    },
  };
}
