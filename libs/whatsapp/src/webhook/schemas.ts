/**
 * Zod schemas of Meta's webhook POST body (`object: "whatsapp_business_account"`). Each schema reads
 * Meta's wire shape and outputs Careline's normalised shape (camelCase, timestamps as numbers and
 * Dates), so the types below are inferred once from the schemas.
 *
 * Strict where Meta is strict (timestamps are strings of digits, ids are strings, statuses are one of
 * four values); tolerant where Meta evolves: extra fields are dropped, unknown `field`s become
 * `other`, unknown message types become `unrecognized` instead of failing a whole batch.
 */
import { z } from 'zod';

const nonEmpty = z.string().min(1);

/** Discriminator given to variants Meta may add after this code was written. */
const UNRECOGNIZED = 'unrecognized';

/** Unix seconds as Meta sends them in messages and statuses: a string of digits. */
const unixSecondsString = z.string().regex(/^[0-9]{1,12}$/);

/** Where Meta documents an integer (user_preferences) or is inconsistent (conversation expiry). */
const unixSecondsLoose = z.union([z.number().int().nonnegative().max(1e12), unixSecondsString]);

const toSeconds = (value: string | number): number => (typeof value === 'number' ? value : Number(value));

/** A numeric field some payloads quote and some do not (order quantities and prices). */
const looseNumber = z.union([z.number(), z.string().regex(/^-?[0-9]+(\.[0-9]+)?$/)]);

// --- shared parts ---------------------------------------------------------------------------------

export const whatsAppErrorSchema = z
  .object({
    code: z.number().int(),
    title: z.string().optional(),
    message: z.string().optional(),
    error_data: z.object({ details: z.string().optional() }).optional(),
    href: z.string().optional(),
  })
  .transform((e) => ({
    code: e.code,
    title: e.title,
    message: e.message,
    details: e.error_data?.details,
    href: e.href,
  }));
export type WhatsAppError = z.output<typeof whatsAppErrorSchema>;

const errorList = z.array(whatsAppErrorSchema).optional();

export const metadataSchema = z
  .object({ display_phone_number: z.string(), phone_number_id: nonEmpty })
  .transform((m) => ({ displayPhoneNumber: m.display_phone_number, phoneNumberId: m.phone_number_id }));

export const contactSchema = z
  .object({
    wa_id: nonEmpty,
    profile: z.object({ name: z.string().optional() }).optional(),
  })
  .transform((c) => ({ waId: c.wa_id, profileName: c.profile?.name }));
export type WebhookContact = z.output<typeof contactSchema>;

export const messageContextSchema = z
  .object({
    from: z.string().optional(),
    id: z.string().optional(),
    forwarded: z.boolean().optional(),
    frequently_forwarded: z.boolean().optional(),
    referred_product: z.object({ catalog_id: z.string(), product_retailer_id: z.string() }).optional(),
  })
  .transform((c) => ({
    /** The business number the user replied to. */
    from: c.from,
    /** wamid of the business message that was replied to or whose button was clicked. */
    messageId: c.id,
    forwarded: c.forwarded ?? false,
    frequentlyForwarded: c.frequently_forwarded ?? false,
    referredProduct: c.referred_product
      ? {
          catalogId: c.referred_product.catalog_id,
          productRetailerId: c.referred_product.product_retailer_id,
        }
      : undefined,
  }));
export type MessageContext = z.output<typeof messageContextSchema>;

/** Present only on messages that come from a Click-to-WhatsApp ad. */
export const referralSchema = z
  .object({
    source_url: z.string(),
    source_id: z.string(),
    source_type: z.string().optional(),
    headline: z.string().optional(),
    body: z.string().optional(),
    media_type: z.string().optional(),
    image_url: z.string().optional(),
    video_url: z.string().optional(),
    thumbnail_url: z.string().optional(),
    ctwa_clid: z.string().optional(),
  })
  .transform((r) => ({
    sourceUrl: r.source_url,
    sourceId: r.source_id,
    sourceType: r.source_type,
    headline: r.headline,
    body: r.body,
    mediaType: r.media_type,
    imageUrl: r.image_url,
    videoUrl: r.video_url,
    thumbnailUrl: r.thumbnail_url,
    ctwaClid: r.ctwa_clid,
  }));
export type Referral = z.output<typeof referralSchema>;

// --- inbound messages -----------------------------------------------------------------------------

const messageBase = z.object({
  from: nonEmpty,
  id: nonEmpty,
  timestamp: unixSecondsString,
  context: messageContextSchema.optional(),
  referral: referralSchema.optional(),
  errors: errorList,
});
type MessageBaseWire = z.output<typeof messageBase>;

function baseOf(m: MessageBaseWire) {
  const timestamp = Number(m.timestamp);
  return {
    wamid: m.id,
    /** The user's WhatsApp id (no `+`). */
    from: m.from,
    /** Unix seconds, as Meta sent it. */
    timestamp,
    date: new Date(timestamp * 1000),
    context: m.context,
    referral: m.referral,
    errors: m.errors ?? [],
  };
}

const mediaFields = { id: nonEmpty, mime_type: z.string(), sha256: z.string() };
const mediaOf = (m: { id: string; mime_type: string; sha256: string }) => ({
  mediaId: m.id,
  mimeType: m.mime_type,
  sha256: m.sha256,
});

const textMessage = messageBase
  .extend({ type: z.literal('text'), text: z.object({ body: z.string() }) })
  .transform((m) => ({ ...baseOf(m), type: m.type, text: { body: m.text.body } }));

const imageMessage = messageBase
  .extend({ type: z.literal('image'), image: z.object({ ...mediaFields, caption: z.string().optional() }) })
  .transform((m) => ({
    ...baseOf(m),
    type: m.type,
    image: { ...mediaOf(m.image), caption: m.image.caption },
  }));

const videoMessage = messageBase
  .extend({ type: z.literal('video'), video: z.object({ ...mediaFields, caption: z.string().optional() }) })
  .transform((m) => ({
    ...baseOf(m),
    type: m.type,
    video: { ...mediaOf(m.video), caption: m.video.caption },
  }));

const audioMessage = messageBase
  .extend({ type: z.literal('audio'), audio: z.object({ ...mediaFields, voice: z.boolean().optional() }) })
  .transform((m) => ({
    ...baseOf(m),
    type: m.type,
    audio: { ...mediaOf(m.audio), voice: m.audio.voice ?? false },
  }));

const documentMessage = messageBase
  .extend({
    type: z.literal('document'),
    document: z.object({ ...mediaFields, filename: z.string().optional(), caption: z.string().optional() }),
  })
  .transform((m) => ({
    ...baseOf(m),
    type: m.type,
    document: { ...mediaOf(m.document), filename: m.document.filename, caption: m.document.caption },
  }));

const stickerMessage = messageBase
  .extend({
    type: z.literal('sticker'),
    sticker: z.object({ ...mediaFields, animated: z.boolean().optional() }),
  })
  .transform((m) => ({
    ...baseOf(m),
    type: m.type,
    sticker: { ...mediaOf(m.sticker), animated: m.sticker.animated ?? false },
  }));

const locationMessage = messageBase
  .extend({
    type: z.literal('location'),
    location: z.object({
      latitude: z.number(),
      longitude: z.number(),
      name: z.string().optional(),
      address: z.string().optional(),
      url: z.string().optional(),
    }),
  })
  .transform((m) => ({ ...baseOf(m), type: m.type, location: m.location }));

const sharedContact = z
  .object({
    name: z.object({
      formatted_name: z.string(),
      first_name: z.string().optional(),
      last_name: z.string().optional(),
    }),
    phones: z
      .array(
        z.object({ phone: z.string().optional(), wa_id: z.string().optional(), type: z.string().optional() }),
      )
      .optional(),
    emails: z.array(z.object({ email: z.string().optional(), type: z.string().optional() })).optional(),
    org: z.object({ company: z.string().optional() }).optional(),
  })
  .transform((c) => ({
    formattedName: c.name.formatted_name,
    firstName: c.name.first_name,
    lastName: c.name.last_name,
    phones: (c.phones ?? []).map((p) => ({ phone: p.phone, waId: p.wa_id, type: p.type })),
    emails: (c.emails ?? []).map((e) => ({ email: e.email, type: e.type })),
    company: c.org?.company,
  }));

const contactsMessage = messageBase
  .extend({ type: z.literal('contacts'), contacts: z.array(sharedContact) })
  .transform((m) => ({ ...baseOf(m), type: m.type, contacts: m.contacts }));

const buttonReply = z
  .object({ type: z.literal('button_reply'), button_reply: z.object({ id: z.string(), title: z.string() }) })
  .transform((i) => ({ type: i.type, id: i.button_reply.id, title: i.button_reply.title }));

const listReply = z
  .object({
    type: z.literal('list_reply'),
    list_reply: z.object({ id: z.string(), title: z.string(), description: z.string().optional() }),
  })
  .transform((i) => ({
    type: i.type,
    id: i.list_reply.id,
    title: i.list_reply.title,
    description: i.list_reply.description,
  }));

/** Flows (`nfm_reply`) and whatever Meta adds next: kept by name, not failed. */
const unrecognizedInteractive = z
  .object({ type: z.literal(UNRECOGNIZED), original_type: z.string().max(64) })
  .transform((i) => ({ type: i.type, originalType: i.original_type }));

const KNOWN_INTERACTIVE = new Set(['button_reply', 'list_reply']);

const interactivePayload = z.preprocess(
  (value) => markUnrecognized(value, KNOWN_INTERACTIVE),
  z.discriminatedUnion('type', [buttonReply, listReply, unrecognizedInteractive]),
);

const interactiveMessage = messageBase
  .extend({ type: z.literal('interactive'), interactive: interactivePayload })
  .transform((m) => ({ ...baseOf(m), type: m.type, interactive: m.interactive }));

/** A template quick-reply button click. */
const buttonMessage = messageBase
  .extend({ type: z.literal('button'), button: z.object({ payload: z.string(), text: z.string() }) })
  .transform((m) => ({ ...baseOf(m), type: m.type, button: m.button }));

const reactionMessage = messageBase
  .extend({
    type: z.literal('reaction'),
    // Meta omits `emoji` (or sends it empty) when the user removes a reaction.
    reaction: z.object({ message_id: nonEmpty, emoji: z.string().optional() }),
  })
  .transform((m) => ({
    ...baseOf(m),
    type: m.type,
    reaction: { messageId: m.reaction.message_id, emoji: m.reaction.emoji ?? '' },
  }));

const orderMessage = messageBase
  .extend({
    type: z.literal('order'),
    order: z.object({
      catalog_id: z.string(),
      text: z.string().optional(),
      product_items: z.array(
        z.object({
          product_retailer_id: z.string(),
          quantity: looseNumber,
          item_price: looseNumber,
          currency: z.string(),
        }),
      ),
    }),
  })
  .transform((m) => ({
    ...baseOf(m),
    type: m.type,
    order: {
      catalogId: m.order.catalog_id,
      text: m.order.text,
      productItems: m.order.product_items.map((p) => ({
        productRetailerId: p.product_retailer_id,
        quantity: Number(p.quantity),
        itemPrice: Number(p.item_price),
        currency: p.currency,
      })),
    },
  }));

const systemMessage = messageBase
  .extend({
    type: z.literal('system'),
    system: z.object({
      type: z.string(),
      body: z.string().optional(),
      wa_id: z.string().optional(),
      marketing: z.string().optional(),
    }),
  })
  .transform((m) => ({
    ...baseOf(m),
    type: m.type,
    system: {
      /** e.g. `user_changed_number`. */
      type: m.system.type,
      body: m.system.body,
      /** For `user_changed_number`: the user's new WhatsApp id. */
      newWaId: m.system.wa_id,
      marketing: m.system.marketing,
    },
  }));

/** A message WhatsApp could not hand over; the reason is in `errors` (typically code 131051). */
const unsupportedMessage = messageBase
  .extend({ type: z.literal('unsupported') })
  .transform((m) => ({ ...baseOf(m), type: m.type }));

const unrecognizedMessage = messageBase
  .extend({ type: z.literal(UNRECOGNIZED), original_type: z.string().max(64) })
  .transform((m) => ({ ...baseOf(m), type: m.type, originalType: m.original_type }));

const KNOWN_MESSAGE_TYPES = new Set([
  'text',
  'image',
  'video',
  'audio',
  'document',
  'sticker',
  'location',
  'contacts',
  'interactive',
  'button',
  'reaction',
  'order',
  'system',
  'unsupported',
]);

export const inboundMessageSchema = z.preprocess(
  (value) => markUnrecognized(value, KNOWN_MESSAGE_TYPES),
  z.discriminatedUnion('type', [
    textMessage,
    imageMessage,
    videoMessage,
    audioMessage,
    documentMessage,
    stickerMessage,
    locationMessage,
    contactsMessage,
    interactiveMessage,
    buttonMessage,
    reactionMessage,
    orderMessage,
    systemMessage,
    unsupportedMessage,
    unrecognizedMessage,
  ]),
);
export type InboundMessage = z.output<typeof inboundMessageSchema>;
export type InboundMessageType = InboundMessage['type'];
export type InteractiveReply = Extract<InboundMessage, { type: 'interactive' }>['interactive'];

// --- statuses -------------------------------------------------------------------------------------

export const MESSAGE_STATUSES = ['sent', 'delivered', 'read', 'failed'] as const;

export const statusSchema = z
  .object({
    id: nonEmpty,
    status: z.enum(MESSAGE_STATUSES),
    timestamp: unixSecondsString,
    recipient_id: nonEmpty,
    conversation: z
      .object({
        id: z.string(),
        expiration_timestamp: unixSecondsLoose.optional(),
        origin: z.object({ type: z.string() }).optional(),
      })
      .optional(),
    pricing: z
      .object({
        billable: z.boolean().optional(),
        pricing_model: z.string(),
        category: z.string(),
        type: z.string().optional(),
      })
      .optional(),
    errors: errorList,
    biz_opaque_callback_data: z.string().optional(),
    group_id: z.string().optional(),
  })
  .transform((s) => {
    const timestamp = Number(s.timestamp);
    return {
      /** wamid of our outbound message. */
      wamid: s.id,
      status: s.status,
      recipientId: s.recipient_id,
      timestamp,
      date: new Date(timestamp * 1000),
      conversation: s.conversation
        ? {
            id: s.conversation.id,
            expirationTimestamp:
              s.conversation.expiration_timestamp === undefined
                ? undefined
                : toSeconds(s.conversation.expiration_timestamp),
            originType: s.conversation.origin?.type,
          }
        : undefined,
      pricing: s.pricing
        ? {
            /** Deprecated by Meta; kept because older versions still send it. */
            billable: s.pricing.billable,
            /** `PMP` since July 2025 (per-message pricing). */
            pricingModel: s.pricing.pricing_model,
            /** marketing | utility | authentication | authentication_international | marketing_lite | service | referral_conversion */
            category: s.pricing.category,
            /** regular | free_customer_service | free_entry_point */
            type: s.pricing.type,
          }
        : undefined,
      errors: s.errors ?? [],
      bizOpaqueCallbackData: s.biz_opaque_callback_data,
      groupId: s.group_id,
    };
  });
export type MessageStatusUpdate = z.output<typeof statusSchema>;
export type MessageStatus = (typeof MESSAGE_STATUSES)[number];

// --- user preferences -----------------------------------------------------------------------------

export const userPreferenceSchema = z
  .object({
    wa_id: nonEmpty,
    detail: z.string().optional(),
    category: z.string(),
    value: z.enum(['stop', 'resume']),
    timestamp: unixSecondsLoose,
  })
  .transform((p) => {
    const timestamp = toSeconds(p.timestamp);
    return {
      waId: p.wa_id,
      /** `marketing_messages` today. */
      category: p.category,
      value: p.value,
      detail: p.detail,
      timestamp,
      date: new Date(timestamp * 1000),
    };
  });
export type UserPreferenceUpdate = z.output<typeof userPreferenceSchema>;

// --- values and envelope --------------------------------------------------------------------------

const messagingProduct = z.literal('whatsapp');

export const messagesValueSchema = z
  .object({
    messaging_product: messagingProduct,
    metadata: metadataSchema,
    contacts: z.array(contactSchema).optional(),
    messages: z.array(inboundMessageSchema).optional(),
    statuses: z.array(statusSchema).optional(),
    errors: errorList,
  })
  .transform((v) => ({
    metadata: v.metadata,
    contacts: v.contacts ?? [],
    messages: v.messages ?? [],
    statuses: v.statuses ?? [],
    errors: v.errors ?? [],
  }));

export const userPreferencesValueSchema = z
  .object({
    messaging_product: messagingProduct,
    metadata: metadataSchema,
    contacts: z.array(contactSchema).optional(),
    user_preferences: z.array(userPreferenceSchema),
  })
  .transform((v) => ({
    metadata: v.metadata,
    contacts: v.contacts ?? [],
    userPreferences: v.user_preferences,
  }));

const messagesChange = z
  .object({ field: z.literal('messages'), value: messagesValueSchema })
  .transform((c) => ({ field: c.field, ...c.value }));

const userPreferencesChange = z
  .object({ field: z.literal('user_preferences'), value: userPreferencesValueSchema })
  .transform((c) => ({ field: c.field, ...c.value }));

/** Any field we do not handle (template updates, account updates, …): its value is not read. */
const otherChange = z
  .object({ field: z.literal(UNRECOGNIZED), original_type: z.string().max(128) })
  .transform((c) => ({ field: 'other' as const, name: c.original_type }));

const KNOWN_FIELDS = new Set(['messages', 'user_preferences']);

export const changeSchema = z.preprocess(
  (value) => markUnrecognized(value, KNOWN_FIELDS, 'field'),
  z.discriminatedUnion('field', [messagesChange, userPreferencesChange, otherChange]),
);
export type WebhookChange = z.output<typeof changeSchema>;

export const entrySchema = z.object({ id: nonEmpty, changes: z.array(changeSchema) });

export const webhookPayloadSchema = z.object({
  object: z.literal('whatsapp_business_account'),
  entry: z.array(entrySchema),
});
export type WebhookPayload = z.output<typeof webhookPayloadSchema>;

// --- helpers --------------------------------------------------------------------------------------

/**
 * Rewrites an object whose discriminator is a string we do not know into the `unrecognized` variant,
 * remembering the original name. A discriminator that is missing or not a string is left alone so the
 * union reports it. Input objects are copied, never mutated.
 */
function markUnrecognized(value: unknown, known: ReadonlySet<string>, key = 'type'): unknown {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return value;
  const discriminator = (value as Record<string, unknown>)[key];
  if (typeof discriminator !== 'string' || known.has(discriminator)) return value;
  return { ...value, [key]: UNRECOGNIZED, original_type: discriminator };
}
