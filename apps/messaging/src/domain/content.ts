// What a message contains, as MessagingService shows it (the `content` oneof of
// careline.messaging.v1.Message). Stored as its variant name (content_kind, in clear: it says
// "a photo", not what is on it) plus the variant's protobuf bytes, sealed. Reusing the contract's
// messages for storage means stored rows follow the same only-grow rules as the API.
import {
  type Message,
  MessageContacts,
  MessageInteractive,
  MessageLocation,
  MessageMedia,
  MessageReaction,
  MessageReply,
  MessageTemplate,
  MessageText,
  MessageUnsupported,
} from '@careline/contracts';

export type MessageContent = NonNullable<Message['content']>;
export type ContentKind = MessageContent['$case'];

export const CONTENT_KINDS = [
  'text',
  'media',
  'location',
  'contacts',
  'reply',
  'reaction',
  'template',
  'interactive',
  'unsupported',
] as const satisfies readonly ContentKind[];

export function isContentKind(value: string): value is ContentKind {
  return (CONTENT_KINDS as readonly string[]).includes(value);
}

export function encodeContent(content: MessageContent): Uint8Array {
  switch (content.$case) {
    case 'text':
      return MessageText.encode(content.value).finish();
    case 'media':
      return MessageMedia.encode(content.value).finish();
    case 'location':
      return MessageLocation.encode(content.value).finish();
    case 'contacts':
      return MessageContacts.encode(content.value).finish();
    case 'reply':
      return MessageReply.encode(content.value).finish();
    case 'reaction':
      return MessageReaction.encode(content.value).finish();
    case 'template':
      return MessageTemplate.encode(content.value).finish();
    case 'interactive':
      return MessageInteractive.encode(content.value).finish();
    case 'unsupported':
      return MessageUnsupported.encode(content.value).finish();
  }
}

export function decodeContent(kind: ContentKind, bytes: Uint8Array): MessageContent {
  switch (kind) {
    case 'text':
      return { $case: kind, value: MessageText.decode(bytes) };
    case 'media':
      return { $case: kind, value: MessageMedia.decode(bytes) };
    case 'location':
      return { $case: kind, value: MessageLocation.decode(bytes) };
    case 'contacts':
      return { $case: kind, value: MessageContacts.decode(bytes) };
    case 'reply':
      return { $case: kind, value: MessageReply.decode(bytes) };
    case 'reaction':
      return { $case: kind, value: MessageReaction.decode(bytes) };
    case 'template':
      return { $case: kind, value: MessageTemplate.decode(bytes) };
    case 'interactive':
      return { $case: kind, value: MessageInteractive.decode(bytes) };
    case 'unsupported':
      return { $case: kind, value: MessageUnsupported.decode(bytes) };
  }
}

export const PREVIEW_LENGTH = 100;

/** The start of a message's words for the inbox list (at most 100 characters); '' when it has none. */
export function previewOf(content: MessageContent): string {
  return truncate(previewText(content).replace(/\s+/g, ' ').trim(), PREVIEW_LENGTH);
}

function previewText(content: MessageContent): string {
  switch (content.$case) {
    case 'text':
      return content.value.body;
    case 'media':
      return content.value.caption;
    case 'reply':
      return content.value.title;
    case 'template':
      return content.value.previewText;
    case 'interactive':
      return content.value.body;
    case 'location':
      return content.value.name;
    case 'contacts':
      return content.value.names.join(', ');
    case 'reaction':
      return content.value.emoji;
    case 'unsupported':
      return '';
  }
}

/** Cuts at a code point boundary, never inside a surrogate pair. */
export function truncate(text: string, maxCharacters: number): string {
  const characters = [...text];
  return characters.length <= maxCharacters ? text : characters.slice(0, maxCharacters).join('');
}

/** Characters as WhatsApp counts them (code points, so an emoji is one). */
export function characterCount(text: string): number {
  let count = 0;
  for (const _ of text) count += 1;
  return count;
}
