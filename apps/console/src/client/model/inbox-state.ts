// The console's live state as a pure reducer: the inbox list (filtered, newest activity first)
// and the open conversation's thread, moved forward by the api's stream events. Events carry a
// per-tenant `seq`; one at or below the last applied seq is a replay after a reconnect and is
// ignored, so resuming with `?after=` can never apply anything twice.
import type { Conversation, DeliveryState, Message, Note, StreamEvent } from '../schemas';
import { DeliveryStateSchema } from '../schemas';
import { laterState } from './message-view';

export interface InboxFilter {
  teamId: string | null;
  /** 'me', 'unassigned', or null for anyone. */
  assignee: 'me' | 'unassigned' | null;
  status: Conversation['status'] | null;
  unreadOnly: boolean;
}

export const DEFAULT_FILTER: InboxFilter = { teamId: null, assignee: null, status: null, unreadOnly: false };

export interface Thread {
  conversationId: string;
  /** Oldest first. */
  messages: Message[];
  notes: Note[];
}

export interface InboxState {
  conversations: Conversation[];
  /** The seq of the last stream event applied; null before the first. */
  lastSeq: number | null;
  thread: Thread | null;
  /** Conversation id → the seq of the last event that carried it (see withConversations). */
  eventSeqs: Readonly<Record<string, number>>;
}

export const EMPTY_STATE: InboxState = { conversations: [], lastSeq: null, thread: null, eventSeqs: {} };

export function matchesFilter(conversation: Conversation, filter: InboxFilter, me: string): boolean {
  if (filter.teamId !== null && conversation.teamId !== filter.teamId) return false;
  if (filter.assignee === 'me' && conversation.assignedTo !== me) return false;
  if (filter.assignee === 'unassigned' && conversation.assignedTo !== null) return false;
  if (filter.status !== null && conversation.status !== filter.status) return false;
  if (filter.unreadOnly && conversation.unreadCount === 0) return false;
  return true;
}

/** The query string of GET /v1/conversations for a filter (what the api can filter itself). */
export function filterQuery(filter: InboxFilter, me: string): URLSearchParams {
  const query = new URLSearchParams({ limit: '200' });
  if (filter.teamId !== null) query.set('teamId', filter.teamId);
  if (filter.assignee === 'me') query.set('assignee', me);
  if (filter.status !== null) query.set('status', filter.status);
  if (filter.unreadOnly) query.set('unread', 'true');
  return query;
}

const activity = (conversation: Conversation): number => Date.parse(conversation.lastMessageAt ?? '') || 0;

function sorted(conversations: Conversation[]): Conversation[] {
  return conversations.sort((a, b) => activity(b) - activity(a) || a.id.localeCompare(b.id));
}

/** The list as loaded from the api (filtered once more here: "unassigned" is the console's own). */
/**
 * The list as loaded from the api. The stream runs while the page is fetched, so an event applied
 * after the fetch began (`loadedAfterSeq`: the lastSeq when it began) is newer than the page:
 * that conversation keeps the event's version, and one the page does not have yet stays listed.
 */
export function withConversations(
  state: InboxState,
  items: readonly Conversation[],
  filter: InboxFilter,
  me: string,
  loadedAfterSeq: number | null = null,
): InboxState {
  const newer = (id: string): boolean => {
    const seq = state.eventSeqs[id];
    return seq !== undefined && (loadedAfterSeq === null || seq > loadedAfterSeq);
  };
  const fromEvents = state.conversations.filter((c) => newer(c.id) && matchesFilter(c, filter, me));
  const fromPage = items.filter((c) => !newer(c.id) && matchesFilter(c, filter, me));
  return { ...state, conversations: sorted([...fromEvents, ...fromPage]) };
}

export function upsertConversation(
  list: readonly Conversation[],
  conversation: Conversation,
  filter: InboxFilter,
  me: string,
): Conversation[] {
  const others = list.filter((c) => c.id !== conversation.id);
  return matchesFilter(conversation, filter, me) ? sorted([...others, conversation]) : others;
}

/**
 * WhatsApp timestamps have whole seconds, so several messages often share one: ties keep the
 * order they came in (the api's, then live arrival). Array.prototype.sort is stable.
 */
function byCreated(a: Message, b: Message): number {
  return (Date.parse(a.createdAt ?? '') || 0) - (Date.parse(b.createdAt ?? '') || 0);
}

/** Adds or replaces a message; a stale copy never moves the ticks back. */
export function upsertMessage(messages: readonly Message[], message: Message): Message[] {
  const existing = messages.find((m) => m.id === message.id);
  if (existing === undefined) return [...messages, message].sort(byCreated);
  const state = laterState(existing.status.state, message.status.state);
  const merged = state === message.status.state ? message : { ...message, status: existing.status };
  return messages.map((m) => (m.id === message.id ? merged : m));
}

function withState(messages: readonly Message[], messageId: string, state: DeliveryState): Message[] {
  return messages.map((m) =>
    m.id === messageId ? { ...m, status: { ...m.status, state: laterState(m.status.state, state) } } : m,
  );
}

export function openThread(
  state: InboxState,
  conversationId: string,
  newestFirst: readonly Message[],
  notes: readonly Note[],
): InboxState {
  return {
    ...state,
    thread: { conversationId, messages: [...newestFirst].reverse().sort(byCreated), notes: [...notes] },
  };
}

export function applyEvent(
  state: InboxState,
  event: StreamEvent,
  filter: InboxFilter,
  me: string,
): InboxState {
  if (state.lastSeq !== null && event.seq <= state.lastSeq) return state;
  let conversations = state.conversations;
  if (event.conversation !== null)
    conversations = upsertConversation(conversations, event.conversation, filter, me);

  let thread = state.thread;
  if (thread !== null && thread.conversationId === event.conversationId) {
    let messages = thread.messages;
    if (event.message !== null) messages = upsertMessage(messages, event.message);
    else if (event.kind === 'message_status' && event.messageId !== null) {
      const parsed = DeliveryStateSchema.safeParse(event.facts['state']);
      if (parsed.success) messages = withState(messages, event.messageId, parsed.data);
    }
    const notes =
      event.note !== null && !thread.notes.some((n) => n.id === event.note?.id)
        ? [...thread.notes, event.note]
        : thread.notes;
    thread = { ...thread, messages, notes };
  }
  const eventSeqs =
    event.conversation === null ? state.eventSeqs : { ...state.eventSeqs, [event.conversationId]: event.seq };
  return { conversations, thread, lastSeq: event.seq, eventSeqs };
}

/** After a 4410 (the resume point is gone): the caller reloads everything and reconnects from now. */
export function forgetSeq(state: InboxState): InboxState {
  return { ...state, lastSeq: null, eventSeqs: {} };
}

export function unreadTotal(conversations: readonly Conversation[]): number {
  return conversations.reduce((sum, c) => sum + c.unreadCount, 0);
}
