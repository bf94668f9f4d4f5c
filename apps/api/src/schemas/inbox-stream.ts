// What `GET /v1/stream` pushes: one JSON text frame per inbox event, in `seq` order. The views are
// the REST ones (Conversation, Message, Note), so the console updates its lists with the same code
// it renders REST responses with. Frames carry patient data: never log them.
import { type InboxEvent, InboxEventKind } from '@careline/contracts';
import { z } from 'zod';
import { dateTime, isoOrNull, nullIfEmpty } from './common';
import { conversationSchema, toConversationView } from './conversations';
import { noteSchema, toNoteView } from './inbox';
import { messageSchema, toMessageView } from './messages';

export const STREAM_EVENT_KINDS = [
  'message_received',
  'message_sent',
  'message_status',
  'conversation_assigned',
  'conversation_state',
  'note_added',
  'conversation_read',
  'conversation_linked',
] as const;
type StreamEventKind = (typeof STREAM_EVENT_KINDS)[number];

function kindName(kind: InboxEventKind): StreamEventKind | undefined {
  switch (kind) {
    case InboxEventKind.INBOX_EVENT_KIND_MESSAGE_RECEIVED:
      return 'message_received';
    case InboxEventKind.INBOX_EVENT_KIND_MESSAGE_SENT:
      return 'message_sent';
    case InboxEventKind.INBOX_EVENT_KIND_MESSAGE_STATUS:
      return 'message_status';
    case InboxEventKind.INBOX_EVENT_KIND_CONVERSATION_ASSIGNED:
      return 'conversation_assigned';
    case InboxEventKind.INBOX_EVENT_KIND_CONVERSATION_STATE:
      return 'conversation_state';
    case InboxEventKind.INBOX_EVENT_KIND_NOTE_ADDED:
      return 'note_added';
    case InboxEventKind.INBOX_EVENT_KIND_CONVERSATION_READ:
      return 'conversation_read';
    case InboxEventKind.INBOX_EVENT_KIND_CONVERSATION_LINKED:
      return 'conversation_linked';
    case InboxEventKind.INBOX_EVENT_KIND_UNSPECIFIED:
    case InboxEventKind.UNRECOGNIZED:
      return undefined;
  }
}

export const streamEventSchema = z
  .object({
    type: z.literal('event'),
    seq: z.number().int().meta({ description: 'Strictly increasing per tenant; reconnect with `?after=<seq>` of the last one handled.' }),
    kind: z.enum(STREAM_EVENT_KINDS),
    conversationId: z.string(),
    messageId: z.string().nullable(),
    occurredAt: dateTime().nullable(),
    actor: z.string().meta({ description: '`user:<sub>`, `patient`, `system`.' }),
    facts: z.record(z.string(), z.string()).meta({ description: 'The change itself: `state`, `status`/`previous`, `assigned_to`/`team_id`, `reason`, `patient_id`/`previous_patient_id` (conversation_linked).' }),
    conversation: conversationSchema.nullable(),
    message: messageSchema.nullable(),
    note: noteSchema.nullable(),
  })
  .meta({ id: 'InboxStreamEvent', description: 'One inbox event, as pushed on the WebSocket `GET /v1/stream`.' });
export type StreamEventView = z.output<typeof streamEventSchema>;

/** The frame for an event, or undefined for a kind this api does not know (skipped, its seq still counts). */
export function toStreamEvent(event: InboxEvent, now: Date): StreamEventView | undefined {
  const kind = kindName(event.kind);
  if (kind === undefined) return undefined;
  return {
    type: 'event',
    seq: event.seq,
    kind,
    conversationId: event.conversationId,
    messageId: nullIfEmpty(event.messageId),
    occurredAt: isoOrNull(event.occurredAt),
    actor: event.actor,
    facts: event.facts,
    conversation: event.conversation === undefined ? null : toConversationView(event.conversation, now),
    message: event.message === undefined ? null : toMessageView(event.message),
    note: event.note === undefined ? null : toNoteView(event.note),
  };
}
