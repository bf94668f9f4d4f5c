// A patient's message as the inbox shows it: the event's content variant (sealed for the topic)
// opened and mapped onto MessagingService's content variants.
import {
  ContactCards,
  type InboundMedia,
  LocationDetails,
  MessageMediaKind,
  MessageMediaState,
  MessageReplyKind,
  type PatientMessageReceivedV1,
} from '@careline/contracts';
import { type MessageContent } from '../domain/content';
import { type EventOpener } from '../domain/sealing';

export interface InboundContentOptions {
  open: EventOpener;
  /** The Careline id of a message Meta names by wamid (reactions), if stored. */
  messageIdForWamid: (wamid: string) => Promise<string | undefined>;
}

export async function inboundContent(
  content: PatientMessageReceivedV1['content'],
  options: InboundContentOptions,
): Promise<MessageContent> {
  const { open } = options;
  if (content === undefined) {
    // A variant added to the contract after this build: shown as "cannot show", as the proto asks.
    return { $case: 'unsupported', value: { type: 'unknown' } };
  }
  switch (content.$case) {
    case 'text':
      return { $case: 'text', value: { body: await open.string('text body', content.value.body) } };
    case 'image':
      return media(open, MessageMediaKind.MESSAGE_MEDIA_KIND_IMAGE, content.value);
    case 'video':
      return media(open, MessageMediaKind.MESSAGE_MEDIA_KIND_VIDEO, content.value);
    case 'audio':
      return media(
        open,
        content.value.voice ? MessageMediaKind.MESSAGE_MEDIA_KIND_VOICE : MessageMediaKind.MESSAGE_MEDIA_KIND_AUDIO,
        content.value,
      );
    case 'document':
      return media(open, MessageMediaKind.MESSAGE_MEDIA_KIND_DOCUMENT, content.value);
    case 'sticker':
      return media(open, MessageMediaKind.MESSAGE_MEDIA_KIND_STICKER, content.value);
    case 'location': {
      const details = LocationDetails.decode(await open.bytes('location details', content.value.details));
      return {
        $case: 'location',
        value: { latitude: details.latitude, longitude: details.longitude, name: details.name, address: details.address },
      };
    }
    case 'contacts': {
      const cards = ContactCards.decode(await open.bytes('contact cards', content.value.cards));
      return { $case: 'contacts', value: { names: cards.cards.map((card) => card.formattedName) } };
    }
    case 'buttonReply':
      return {
        $case: 'reply',
        value: {
          kind: MessageReplyKind.MESSAGE_REPLY_KIND_BUTTON,
          replyId: content.value.buttonId,
          title: await open.optionalString(content.value.title),
        },
      };
    case 'listReply':
      return {
        $case: 'reply',
        value: {
          kind: MessageReplyKind.MESSAGE_REPLY_KIND_LIST,
          replyId: content.value.rowId,
          title: await open.optionalString(content.value.title),
        },
      };
    case 'templateButtonReply':
      return {
        $case: 'reply',
        value: {
          kind: MessageReplyKind.MESSAGE_REPLY_KIND_TEMPLATE_BUTTON,
          replyId: content.value.payload,
          title: await open.optionalString(content.value.text),
        },
      };
    case 'reaction':
      return {
        $case: 'reaction',
        value: {
          reactedToMessageId: (await options.messageIdForWamid(content.value.reactedToWamid)) ?? '',
          emoji: await open.optionalString(content.value.emoji),
        },
      };
    case 'unsupported':
      return { $case: 'unsupported', value: { type: content.value.type } };
  }
}

async function media(open: EventOpener, kind: MessageMediaKind, value: InboundMedia): Promise<MessageContent> {
  return {
    $case: 'media',
    value: {
      kind,
      mimeType: value.mimeType,
      caption: await open.optionalString(value.caption),
      filename: await open.optionalString(value.filename),
      // Nothing to download until the media fetch job has stored the bytes (media-fetch.ts): the
      // message is stored pending at once and its content follows the media row's state.
      mediaRef: '',
      state: value.mediaId === '' ? MessageMediaState.MESSAGE_MEDIA_STATE_FAILED : MessageMediaState.MESSAGE_MEDIA_STATE_PENDING,
      sizeBytes: 0,
    },
  };
}
