/**
 * Builders for Send API bodies. Each one assembles Meta's wire shape and validates it against the
 * schema, so a body that breaks a limit throws `OutboundValidationError` here, not at Meta.
 */
import { OutboundValidationError, describeRules } from '../errors.js';
import {
  type InteractiveHeader,
  type MarkReadRequest,
  type MediaObject,
  type SendMessageRequest,
  type TemplateComponent,
  markReadRequestSchema,
  sendMessageRequestSchema,
} from './schemas.js';

/** Validates any outbound body (e.g. one read from a Kafka command); returns the checked body. */
export function validateOutboundMessage(body: unknown): SendMessageRequest {
  const result = sendMessageRequestSchema.safeParse(body);
  if (!result.success) throw new OutboundValidationError(describeRules(result.error.issues));
  return result.data;
}

export function validateMarkRead(body: unknown): MarkReadRequest {
  const result = markReadRequestSchema.safeParse(body);
  if (!result.success) throw new OutboundValidationError(describeRules(result.error.issues));
  return result.data;
}

export interface Recipient {
  /** The user's number, `+` optional. */
  to: string;
  /** wamid of the message to quote. */
  replyTo?: string;
  /** Returned in this message's status webhooks (max 512 characters). */
  bizOpaqueCallbackData?: string;
}

function envelope(r: Recipient) {
  return {
    messaging_product: 'whatsapp' as const,
    recipient_type: 'individual' as const,
    to: r.to,
    ...(r.replyTo === undefined ? {} : { context: { message_id: r.replyTo } }),
    ...(r.bizOpaqueCallbackData === undefined ? {} : { biz_opaque_callback_data: r.bizOpaqueCallbackData }),
  };
}

export function buildTextMessage(r: Recipient & { body: string; previewUrl?: boolean }): SendMessageRequest {
  return validateOutboundMessage({
    ...envelope(r),
    type: 'text',
    text: { body: r.body, ...(r.previewUrl === undefined ? {} : { preview_url: r.previewUrl }) },
  });
}

export function buildTemplateMessage(
  r: Recipient & {
    name: string;
    languageCode: string;
    /** Meta's only policy; it is also the default. */
    deterministic?: boolean;
    components?: TemplateComponent[];
  },
): SendMessageRequest {
  return validateOutboundMessage({
    ...envelope(r),
    type: 'template',
    template: {
      name: r.name,
      language: { code: r.languageCode, ...(r.deterministic ? { policy: 'deterministic' } : {}) },
      ...(r.components === undefined ? {} : { components: r.components }),
    },
  });
}

/** By uploaded media id or by public link. */
export type MediaSource = { id: string } | { link: string };

export function buildMediaMessage(
  r: Recipient &
    (
      | { type: 'image' | 'video'; media: MediaSource; caption?: string }
      | { type: 'document'; media: MediaSource; caption?: string; filename?: string }
      | { type: 'audio' | 'sticker'; media: MediaSource }
    ),
): SendMessageRequest {
  const object: MediaObject & { filename?: string } = { ...r.media };
  if ('caption' in r && r.caption !== undefined) object.caption = r.caption;
  if ('filename' in r && r.filename !== undefined) object.filename = r.filename;
  return validateOutboundMessage({ ...envelope(r), type: r.type, [r.type]: object });
}

export interface ReplyButton {
  id: string;
  title: string;
}

export function buildButtonsMessage(
  r: Recipient & {
    body: string;
    buttons: readonly ReplyButton[];
    header?: InteractiveHeader;
    footer?: string;
  },
): SendMessageRequest {
  return validateOutboundMessage({
    ...envelope(r),
    type: 'interactive',
    interactive: {
      type: 'button',
      ...(r.header === undefined ? {} : { header: r.header }),
      body: { text: r.body },
      ...(r.footer === undefined ? {} : { footer: { text: r.footer } }),
      action: { buttons: r.buttons.map((b) => ({ type: 'reply', reply: { id: b.id, title: b.title } })) },
    },
  });
}

export interface ListSection {
  title?: string;
  rows: readonly { id: string; title: string; description?: string }[];
}

export function buildListMessage(
  r: Recipient & {
    body: string;
    button: string;
    sections: readonly ListSection[];
    header?: string;
    footer?: string;
  },
): SendMessageRequest {
  return validateOutboundMessage({
    ...envelope(r),
    type: 'interactive',
    interactive: {
      type: 'list',
      ...(r.header === undefined ? {} : { header: { type: 'text', text: r.header } }),
      body: { text: r.body },
      ...(r.footer === undefined ? {} : { footer: { text: r.footer } }),
      action: {
        button: r.button,
        sections: r.sections.map((s) => ({
          ...(s.title === undefined ? {} : { title: s.title }),
          rows: s.rows.map((row) => ({
            id: row.id,
            title: row.title,
            ...(row.description === undefined ? {} : { description: row.description }),
          })),
        })),
      },
    },
  });
}

/** An empty emoji removes a reaction we sent earlier. */
export function buildReactionMessage(
  r: Recipient & { messageId: string; emoji: string },
): SendMessageRequest {
  return validateOutboundMessage({
    ...envelope(r),
    type: 'reaction',
    reaction: { message_id: r.messageId, emoji: r.emoji },
  });
}

export function buildLocationMessage(
  r: Recipient & { latitude: number; longitude: number; name?: string; address?: string },
): SendMessageRequest {
  return validateOutboundMessage({
    ...envelope(r),
    type: 'location',
    location: {
      latitude: r.latitude,
      longitude: r.longitude,
      ...(r.name === undefined ? {} : { name: r.name }),
      ...(r.address === undefined ? {} : { address: r.address }),
    },
  });
}

/** Marks an inbound message (and the ones before it) read; optionally shows a typing indicator. */
export function buildMarkRead(
  messageId: string,
  options: { typingIndicator?: boolean } = {},
): MarkReadRequest {
  return validateMarkRead({
    messaging_product: 'whatsapp',
    status: 'read',
    message_id: messageId,
    ...(options.typingIndicator ? { typing_indicator: { type: 'text' } } : {}),
  });
}
