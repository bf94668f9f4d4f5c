// What one message looks like in the thread, decided without the DOM: which body to draw (text,
// media with its download, location, reply, reaction…), the delivery ticks and, for a failure,
// the plain reason. The view components only lay this out, so every message type is testable here.
import type { DeliveryState, Message, MessageContent } from '../schemas';
import { t } from '../messages';

export type Ticks = 'none' | 'queued' | 'sent' | 'delivered' | 'read' | 'failed';

export type MessageBody =
  | { kind: 'text'; text: string }
  | {
      kind: 'media';
      label: string;
      caption: string | null;
      filename: string | null;
      /** Only a stored image is shown inline; everything else is a download. */
      inlineImage: boolean;
      /** null while it cannot be downloaded (pending, failed, outbound). */
      downloadable: boolean;
      notice: string | null;
    }
  | { kind: 'location'; label: string; mapUrl: string; coordinates: string }
  | { kind: 'reply'; label: string; title: string }
  | { kind: 'reaction'; label: string }
  | { kind: 'note'; label: string; text: string | null; options: readonly string[] }
  | { kind: 'unsupported'; label: string };

export interface MessageView {
  id: string;
  side: 'patient' | 'hospital';
  body: MessageBody;
  ticks: Ticks;
  tickLabel: string | null;
  failure: string | null;
  at: string | null;
}

const MEDIA_LABELS: Record<string, string> = {
  image: t.message.image,
  video: t.message.video,
  audio: t.message.audio,
  voice: t.message.voice,
  document: t.message.document,
  sticker: t.message.sticker,
};

export function bodyOf(content: MessageContent, direction: Message['direction']): MessageBody {
  switch (content.type) {
    case 'text':
      return { kind: 'text', text: content.text };
    case 'media': {
      const stored = content.mediaState === 'stored' && direction === 'inbound';
      const notice =
        direction !== 'inbound'
          ? null
          : content.mediaState === 'pending'
            ? t.message.mediaPending
            : content.mediaState === 'failed'
              ? t.message.mediaFailed
              : null;
      return {
        kind: 'media',
        label: MEDIA_LABELS[content.kind] ?? t.message.media,
        caption: content.caption,
        filename: content.filename,
        inlineImage: stored && (content.kind === 'image' || content.kind === 'sticker'),
        downloadable: stored,
        notice,
      };
    }
    case 'location': {
      const coordinates = `${content.latitude.toFixed(5)}, ${content.longitude.toFixed(5)}`;
      const label = [content.name, content.address]
        .filter((part): part is string => part !== null && part !== '')
        .join(' — ');
      return {
        kind: 'location',
        label: label === '' ? t.message.location : label,
        coordinates,
        mapUrl: `https://www.openstreetmap.org/?mlat=${content.latitude}&mlon=${content.longitude}#map=17/${content.latitude}/${content.longitude}`,
      };
    }
    case 'contacts':
      return { kind: 'note', label: t.message.contacts(content.names.join(', ')), text: null, options: [] };
    case 'reply':
      return {
        kind: 'reply',
        label: content.kind === 'list' ? t.message.listReply : t.message.buttonReply,
        title: content.title,
      };
    case 'reaction':
      return {
        kind: 'reaction',
        label: content.emoji ? t.message.reaction(content.emoji) : t.message.reactionRemoved,
      };
    case 'template':
      return {
        kind: 'note',
        label: t.message.template(content.name),
        text: content.previewText,
        options: [],
      };
    case 'interactive':
      return { kind: 'note', label: t.message.interactive, text: content.body, options: content.options };
    case 'unsupported':
      return { kind: 'unsupported', label: t.message.unsupported(content.whatsappType) };
  }
}

export function ticksOf(state: DeliveryState, direction: Message['direction']): Ticks {
  if (direction !== 'outbound') return 'none';
  switch (state) {
    case 'queued':
    case 'sent':
    case 'delivered':
    case 'read':
    case 'failed':
      return state;
    case 'received':
    case 'unknown':
      return 'none';
  }
}

export function messageView(message: Message): MessageView {
  const ticks = ticksOf(message.status.state, message.direction);
  const failure =
    ticks === 'failed'
      ? message.status.reason
        ? t.message.failedBecause(message.status.reason)
        : t.message.failedUnknown
      : null;
  return {
    id: message.id,
    side: message.direction === 'inbound' ? 'patient' : 'hospital',
    body: bodyOf(message.content, message.direction),
    ticks,
    tickLabel: ticks === 'none' ? null : t.message.ticks[ticks],
    failure,
    at: message.createdAt,
  };
}

/** Forward-only order of outbound delivery; `failed` ends it. */
const RANK: Record<DeliveryState, number> = {
  unknown: 0,
  received: 0,
  queued: 1,
  sent: 2,
  delivered: 3,
  read: 4,
  failed: 5,
};

/** Statuses arrive out of order (webhooks retry): a later report never moves the ticks back. */
export function laterState(current: DeliveryState, incoming: DeliveryState): DeliveryState {
  if (current === 'failed' || current === 'read') return current;
  return RANK[incoming] > RANK[current] ? incoming : current;
}
