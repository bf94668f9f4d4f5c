// Messages as the REST api shows them, and how they are made from MessagingService's `Message`.
// Enums become short lowercase words; values this api does not know yet become `unknown` (or an
// `unsupported` content) rather than failing a whole page. Responses carry message text: never
// log them.
import {
  type Message,
  MessageDirection,
  MessageMediaKind,
  MessageMediaState,
  MessageReplyKind,
  MessageState,
} from '@careline/contracts';
import { z } from 'zod';
import { dateTime, isoOrNull, nullIfEmpty, pageOf, resourceId } from './common';

export const MAX_TEXT_LENGTH = 4096;

const contentSchema = z
  .discriminatedUnion('type', [
    z.object({ type: z.literal('text'), text: z.string() }),
    z.object({
      type: z.literal('media'),
      kind: z.enum(['image', 'video', 'audio', 'voice', 'document', 'sticker', 'unknown']),
      mimeType: z.string().nullable(),
      caption: z.string().nullable(),
      filename: z.string().nullable(),
      mediaRef: z
        .string()
        .nullable()
        .meta({ description: 'Id of the stored media; null until it has been fetched from Meta.' }),
      mediaState: z.enum(['pending', 'stored', 'failed', 'unknown']).meta({
        description:
          'Inbound media: `pending` while Careline fetches it from WhatsApp (retried), `stored` once downloadable (`GET /v1/conversations/{id}/messages/{messageId}/media`), `failed` when it could not be fetched (show "media could not be fetched"; the message is kept). `unknown` for outbound media.',
      }),
      sizeBytes: z.number().int().nullable().meta({ description: 'Size of the stored media; null until stored.' }),
    }),
    z.object({
      type: z.literal('location'),
      latitude: z.number(),
      longitude: z.number(),
      name: z.string().nullable(),
      address: z.string().nullable(),
    }),
    z.object({ type: z.literal('contacts'), names: z.array(z.string()) }),
    z.object({
      type: z.literal('reply'),
      kind: z.enum(['button', 'list', 'template_button', 'unknown']),
      replyId: z.string(),
      title: z.string(),
    }),
    z.object({ type: z.literal('reaction'), reactedToMessageId: z.string(), emoji: z.string().nullable() }),
    z.object({
      type: z.literal('template'),
      name: z.string(),
      languageCode: z.string(),
      previewText: z.string().nullable(),
    }),
    z.object({ type: z.literal('interactive'), body: z.string(), options: z.array(z.string()) }),
    z.object({
      type: z.literal('unsupported'),
      whatsappType: z.string().nullable().meta({ description: "WhatsApp's message type, when known." }),
    }),
  ])
  .meta({
    id: 'MessageContent',
    description: 'What the message contains, by `type`. Show a placeholder for a type you do not know.',
  });
export type MessageContentView = z.output<typeof contentSchema>;

const MESSAGE_STATES = ['received', 'queued', 'sent', 'delivered', 'read', 'failed', 'unknown'] as const;

export const messageStatusSchema = z
  .object({
    state: z.enum(MESSAGE_STATES).meta({
      description:
        'Inbound messages are `received`; outbound ones move forward queued → sent → delivered → read, or end `failed`.',
    }),
    errorCode: z
      .string()
      .nullable()
      .meta({
        description: 'For `failed`: Meta\'s error code (e.g. "131047") or Careline\'s (e.g. "opted_out").',
      }),
    reason: z
      .string()
      .nullable()
      .meta({ description: 'For `failed`: a plain-language reason for the care team.' }),
    updatedAt: dateTime().nullable(),
  })
  .meta({ id: 'MessageStatus' });

export const messageSchema = z
  .object({
    id: z.string(),
    conversationId: z.string(),
    direction: z
      .enum(['inbound', 'outbound', 'unknown'])
      .meta({ description: '`inbound`: from the patient; `outbound`: from the hospital.' }),
    content: contentSchema,
    status: messageStatusSchema,
    createdAt: dateTime()
      .nullable()
      .meta({ description: 'When the patient sent it (inbound) or when it was queued (outbound).' }),
    sentBy: z
      .string()
      .nullable()
      .meta({ description: 'The staff user who sent it; null for inbound and automatic messages.' }),
    replyToMessageId: z.string().nullable(),
    wamid: z
      .string()
      .nullable()
      .meta({ description: "Meta's message id; null until Meta has accepted an outbound message." }),
    traceId: z
      .string()
      .regex(/^[0-9a-f]{32}$/)
      .nullable()
      .meta({
        description:
          'The W3C trace id of the work that stored the message (the patient\'s webhook, or the staff request that queued it). To make a reply continue this trace, send `traceparent: 00-<traceId>-<16 hex>-01` with it. Null for messages stored before trace ids were kept.',
      }),
  })
  .meta({ id: 'Message', description: 'One message of a conversation, in either direction.' });
export type MessageView = z.output<typeof messageSchema>;

export const messagePageSchema = pageOf(messageSchema, 'MessagePage', 'Messages, newest first.');

const idempotencyKey = () =>
  z
    .string()
    .min(1)
    .max(128)
    .regex(/^[\x21-\x7e]+$/, { message: 'must be 1-128 visible ASCII characters' });

export const sendTextBodySchema = z
  .object({
    text: z
      .string()
      .max(MAX_TEXT_LENGTH)
      .refine((text) => text.trim().length > 0, { message: 'must not be blank' })
      .meta({ description: `The reply, 1 to ${MAX_TEXT_LENGTH} characters, not only whitespace.` }),
    idempotencyKey: idempotencyKey().optional().meta({
      description:
        'Chosen by the client per intended message (e.g. a UUID made when the user pressed send) and reused on retries, so a retry never sends twice. May be sent as the `Idempotency-Key` header instead.',
    }),
    replyToMessageId: resourceId()
      .optional()
      .meta({ description: 'A message of the conversation to quote.' }),
  })
  .meta({ id: 'SendTextRequest' });

export const sendTextHeadersSchema = z.object({
  'idempotency-key': idempotencyKey()
    .optional()
    .meta({ description: 'Same as `idempotencyKey` in the body (if both are given they must be equal).' }),
});

function direction(value: MessageDirection): MessageView['direction'] {
  switch (value) {
    case MessageDirection.MESSAGE_DIRECTION_INBOUND:
      return 'inbound';
    case MessageDirection.MESSAGE_DIRECTION_OUTBOUND:
      return 'outbound';
    case MessageDirection.MESSAGE_DIRECTION_UNSPECIFIED:
    case MessageDirection.UNRECOGNIZED:
      return 'unknown';
  }
}

function state(value: MessageState): MessageView['status']['state'] {
  switch (value) {
    case MessageState.MESSAGE_STATE_RECEIVED:
      return 'received';
    case MessageState.MESSAGE_STATE_QUEUED:
      return 'queued';
    case MessageState.MESSAGE_STATE_SENT:
      return 'sent';
    case MessageState.MESSAGE_STATE_DELIVERED:
      return 'delivered';
    case MessageState.MESSAGE_STATE_READ:
      return 'read';
    case MessageState.MESSAGE_STATE_FAILED:
      return 'failed';
    case MessageState.MESSAGE_STATE_UNSPECIFIED:
    case MessageState.UNRECOGNIZED:
      return 'unknown';
  }
}

function mediaKind(value: MessageMediaKind): Extract<MessageContentView, { type: 'media' }>['kind'] {
  switch (value) {
    case MessageMediaKind.MESSAGE_MEDIA_KIND_IMAGE:
      return 'image';
    case MessageMediaKind.MESSAGE_MEDIA_KIND_VIDEO:
      return 'video';
    case MessageMediaKind.MESSAGE_MEDIA_KIND_AUDIO:
      return 'audio';
    case MessageMediaKind.MESSAGE_MEDIA_KIND_VOICE:
      return 'voice';
    case MessageMediaKind.MESSAGE_MEDIA_KIND_DOCUMENT:
      return 'document';
    case MessageMediaKind.MESSAGE_MEDIA_KIND_STICKER:
      return 'sticker';
    case MessageMediaKind.MESSAGE_MEDIA_KIND_UNSPECIFIED:
    case MessageMediaKind.UNRECOGNIZED:
      return 'unknown';
  }
}

function replyKind(value: MessageReplyKind): Extract<MessageContentView, { type: 'reply' }>['kind'] {
  switch (value) {
    case MessageReplyKind.MESSAGE_REPLY_KIND_BUTTON:
      return 'button';
    case MessageReplyKind.MESSAGE_REPLY_KIND_LIST:
      return 'list';
    case MessageReplyKind.MESSAGE_REPLY_KIND_TEMPLATE_BUTTON:
      return 'template_button';
    case MessageReplyKind.MESSAGE_REPLY_KIND_UNSPECIFIED:
    case MessageReplyKind.UNRECOGNIZED:
      return 'unknown';
  }
}

function mediaState(value: MessageMediaState): Extract<MessageContentView, { type: 'media' }>['mediaState'] {
  switch (value) {
    case MessageMediaState.MESSAGE_MEDIA_STATE_PENDING:
      return 'pending';
    case MessageMediaState.MESSAGE_MEDIA_STATE_STORED:
      return 'stored';
    case MessageMediaState.MESSAGE_MEDIA_STATE_FAILED:
      return 'failed';
    case MessageMediaState.MESSAGE_MEDIA_STATE_UNSPECIFIED:
    case MessageMediaState.UNRECOGNIZED:
      return 'unknown';
  }
}

function content(value: Message['content']): MessageContentView {
  if (value === undefined) return { type: 'unsupported', whatsappType: null };
  switch (value.$case) {
    case 'text':
      return { type: 'text', text: value.value.body };
    case 'media':
      return {
        type: 'media',
        kind: mediaKind(value.value.kind),
        mimeType: nullIfEmpty(value.value.mimeType),
        caption: nullIfEmpty(value.value.caption),
        filename: nullIfEmpty(value.value.filename),
        mediaRef: nullIfEmpty(value.value.mediaRef),
        mediaState: mediaState(value.value.state),
        sizeBytes: value.value.sizeBytes > 0 ? value.value.sizeBytes : null,
      };
    case 'location':
      return {
        type: 'location',
        latitude: value.value.latitude,
        longitude: value.value.longitude,
        name: nullIfEmpty(value.value.name),
        address: nullIfEmpty(value.value.address),
      };
    case 'contacts':
      return { type: 'contacts', names: [...value.value.names] };
    case 'reply':
      return {
        type: 'reply',
        kind: replyKind(value.value.kind),
        replyId: value.value.replyId,
        title: value.value.title,
      };
    case 'reaction':
      return {
        type: 'reaction',
        reactedToMessageId: value.value.reactedToMessageId,
        emoji: nullIfEmpty(value.value.emoji),
      };
    case 'template':
      return {
        type: 'template',
        name: value.value.name,
        languageCode: value.value.languageCode,
        previewText: nullIfEmpty(value.value.previewText),
      };
    case 'interactive':
      return { type: 'interactive', body: value.value.body, options: [...value.value.options] };
    case 'unsupported':
      return { type: 'unsupported', whatsappType: nullIfEmpty(value.value.type) };
  }
}

export function toMessageView(message: Message): MessageView {
  return {
    id: message.id,
    conversationId: message.conversationId,
    direction: direction(message.direction),
    content: content(message.content),
    status: {
      state: message.status === undefined ? 'unknown' : state(message.status.state),
      errorCode: nullIfEmpty(message.status?.errorCode ?? ''),
      reason: nullIfEmpty(message.status?.reason ?? ''),
      updatedAt: isoOrNull(message.status?.updatedAt),
    },
    createdAt: isoOrNull(message.createdAt),
    sentBy: nullIfEmpty(message.sentBy),
    replyToMessageId: nullIfEmpty(message.replyToMessageId),
    wamid: nullIfEmpty(message.wamid),
    traceId: nullIfEmpty(message.traceId),
  };
}
