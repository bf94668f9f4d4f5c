import { describe, expect, it } from 'vitest';
import {
  DEFAULT_FILTER,
  EMPTY_STATE,
  type InboxFilter,
  applyEvent,
  filterQuery,
  matchesFilter,
  openThread,
  unreadTotal,
  upsertMessage,
  withConversations,
} from './inbox-state';
import { conversation, event, message } from './test-fixtures';

const me = 'nurse-1';
const loaded = withConversations(
  EMPTY_STATE,
  [
    conversation({ id: 'c1', lastMessageAt: '2026-01-01T10:00:00.000Z' }),
    conversation({ id: 'c2', lastMessageAt: '2026-01-01T11:00:00.000Z' }),
  ],
  DEFAULT_FILTER,
  me,
);

describe('the inbox reducer', () => {
  it('lists the newest activity first', () => {
    expect(loaded.conversations.map((c) => c.id)).toEqual(['c2', 'c1']);
  });

  it('adds a new conversation live and moves an active one to the top', () => {
    const added = applyEvent(
      loaded,
      event({
        seq: 5,
        conversationId: 'c3',
        conversation: conversation({ id: 'c3', lastMessageAt: '2026-01-01T12:00:00.000Z' }),
      }),
      DEFAULT_FILTER,
      me,
    );
    expect(added.conversations.map((c) => c.id)).toEqual(['c3', 'c2', 'c1']);
    const bumped = applyEvent(
      added,
      event({
        seq: 6,
        conversationId: 'c1',
        conversation: conversation({ id: 'c1', lastMessageAt: '2026-01-01T13:00:00.000Z', unreadCount: 2 }),
      }),
      DEFAULT_FILTER,
      me,
    );
    expect(bumped.conversations.map((c) => c.id)).toEqual(['c1', 'c3', 'c2']);
    expect(unreadTotal(bumped.conversations)).toBe(4);
    expect(bumped.lastSeq).toBe(6);
  });

  it('ignores an event at or below the last seq applied (a replay after resuming)', () => {
    const once = applyEvent(
      loaded,
      event({ seq: 7, conversationId: 'c1', conversation: conversation({ id: 'c1', unreadCount: 5 }) }),
      DEFAULT_FILTER,
      me,
    );
    const replayed = applyEvent(
      once,
      event({ seq: 7, conversationId: 'c1', conversation: conversation({ id: 'c1', unreadCount: 9 }) }),
      DEFAULT_FILTER,
      me,
    );
    expect(replayed).toBe(once);
    expect(applyEvent(once, event({ seq: 3 }), DEFAULT_FILTER, me)).toBe(once);
  });

  it('keeps what the stream said while the list was being fetched (the page may be older)', () => {
    // seq 10 applied before the fetch began; seq 11 and 12 arrived while it ran
    let state = applyEvent(
      EMPTY_STATE,
      event({ seq: 10, conversationId: 'c1', conversation: conversation({ id: 'c1', unreadCount: 1 }) }),
      DEFAULT_FILTER,
      me,
    );
    const loadedAfterSeq = state.lastSeq;
    state = applyEvent(
      state,
      event({
        seq: 11,
        conversationId: 'c1',
        conversation: conversation({ id: 'c1', unreadCount: 2, lastMessageAt: '2026-01-01T10:05:00.000Z' }),
      }),
      DEFAULT_FILTER,
      me,
    );
    state = applyEvent(
      state,
      event({
        seq: 12,
        conversationId: 'new',
        conversation: conversation({ id: 'new', lastMessageAt: '2026-01-01T10:06:00.000Z' }),
      }),
      DEFAULT_FILTER,
      me,
    );
    const page = [
      conversation({ id: 'c1', unreadCount: 1 }),
      conversation({ id: 'c9', lastMessageAt: '2026-01-01T09:00:00.000Z' }),
    ];
    const loaded = withConversations(state, page, DEFAULT_FILTER, me, loadedAfterSeq);
    expect(loaded.conversations.map((c) => [c.id, c.unreadCount])).toEqual([
      ['new', 1],
      ['c1', 2],
      ['c9', 1],
    ]);
    // without events since, the page wins
    expect(
      withConversations(state, page, DEFAULT_FILTER, me, 12).conversations.map((c) => [c.id, c.unreadCount]),
    ).toEqual([
      ['c1', 1],
      ['c9', 1],
    ]);
  });

  it('drops a conversation that no longer matches the filter (assigned away, read, closed)', () => {
    const mine: InboxFilter = { ...DEFAULT_FILTER, assignee: 'me' };
    const state = withConversations(EMPTY_STATE, [conversation({ id: 'c1', assignedTo: me })], mine, me);
    const moved = applyEvent(
      state,
      event({
        seq: 1,
        kind: 'conversation_assigned',
        conversation: conversation({ id: 'c1', assignedTo: 'nurse-2' }),
      }),
      mine,
      me,
    );
    expect(moved.conversations).toEqual([]);
  });

  it('matches every filter: team, me, unassigned, state, unread', () => {
    const c = conversation({ teamId: 'lab', assignedTo: null, status: 'pending', unreadCount: 0 });
    expect(matchesFilter(c, { ...DEFAULT_FILTER, teamId: 'lab' }, me)).toBe(true);
    expect(matchesFilter(c, { ...DEFAULT_FILTER, teamId: 'front' }, me)).toBe(false);
    expect(matchesFilter(c, { ...DEFAULT_FILTER, assignee: 'unassigned' }, me)).toBe(true);
    expect(matchesFilter(c, { ...DEFAULT_FILTER, assignee: 'me' }, me)).toBe(false);
    expect(matchesFilter(c, { ...DEFAULT_FILTER, status: 'pending' }, me)).toBe(true);
    expect(matchesFilter(c, { ...DEFAULT_FILTER, status: 'open' }, me)).toBe(false);
    expect(matchesFilter(c, { ...DEFAULT_FILTER, unreadOnly: true }, me)).toBe(false);
  });

  it('asks the api for what it can filter itself', () => {
    expect(
      filterQuery({ teamId: 'lab', assignee: 'me', status: 'open', unreadOnly: true }, me).toString(),
    ).toBe('limit=200&teamId=lab&assignee=nurse-1&status=open&unread=true');
    // "unassigned" is filtered by the console
    expect(filterQuery({ ...DEFAULT_FILTER, assignee: 'unassigned' }, me).toString()).toBe('limit=200');
  });

  it('appends new messages to the open thread in time order, and only to that thread', () => {
    const open = openThread(
      loaded,
      'c1',
      [
        message({ id: 'm2', createdAt: '2026-01-01T10:02:00.000Z' }),
        message({ id: 'm1', createdAt: '2026-01-01T10:01:00.000Z' }),
      ],
      [],
    );
    expect(open.thread?.messages.map((m) => m.id)).toEqual(['m1', 'm2']);
    const next = applyEvent(
      open,
      event({
        seq: 1,
        conversationId: 'c1',
        message: message({
          id: 'm3',
          direction: 'inbound',
          state: 'received',
          createdAt: '2026-01-01T10:03:00.000Z',
        }),
      }),
      DEFAULT_FILTER,
      me,
    );
    expect(next.thread?.messages.map((m) => m.id)).toEqual(['m1', 'm2', 'm3']);
    const elsewhere = applyEvent(
      next,
      event({ seq: 2, conversationId: 'c2', message: message({ id: 'x', conversationId: 'c2' }) }),
      DEFAULT_FILTER,
      me,
    );
    expect(elsewhere.thread?.messages.map((m) => m.id)).toEqual(['m1', 'm2', 'm3']);
  });

  it('keeps the order messages came in when they share a timestamp (WhatsApp has whole seconds)', () => {
    const at = '2026-01-01T10:00:00.000Z';
    // the api lists newest first
    const newestFirst = [
      message({ id: 'b-third', createdAt: at }),
      message({ id: 'z-second', createdAt: at }),
      message({ id: 'a-first', createdAt: at }),
    ];
    const open = openThread(loaded, 'c1', newestFirst, []);
    expect(open.thread?.messages.map((m) => m.id)).toEqual(['a-first', 'z-second', 'b-third']);
    const live = applyEvent(
      open,
      event({ seq: 1, message: message({ id: 'a-fourth', createdAt: at }) }),
      DEFAULT_FILTER,
      me,
    );
    expect(live.thread?.messages.map((m) => m.id)).toEqual(['a-first', 'z-second', 'b-third', 'a-fourth']);
  });

  it('moves the ticks from status events, with or without the message view, never backwards', () => {
    const open = openThread(loaded, 'c1', [message({ id: 'm1', state: 'sent' })], []);
    const delivered = applyEvent(
      open,
      event({ seq: 1, kind: 'message_status', messageId: 'm1', facts: { state: 'delivered' } }),
      DEFAULT_FILTER,
      me,
    );
    expect(delivered.thread?.messages[0]?.status.state).toBe('delivered');
    const read = applyEvent(
      delivered,
      event({
        seq: 2,
        kind: 'message_status',
        messageId: 'm1',
        message: message({ id: 'm1', state: 'read' }),
      }),
      DEFAULT_FILTER,
      me,
    );
    expect(read.thread?.messages[0]?.status.state).toBe('read');
    const late = applyEvent(
      read,
      event({ seq: 3, kind: 'message_status', messageId: 'm1', facts: { state: 'delivered' } }),
      DEFAULT_FILTER,
      me,
    );
    expect(late.thread?.messages[0]?.status.state).toBe('read');
    expect(upsertMessage(late.thread!.messages, message({ id: 'm1', state: 'sent' }))[0]?.status.state).toBe(
      'read',
    );
  });

  it('adds a note once', () => {
    const open = openThread(loaded, 'c1', [], []);
    const note = { id: 'n1', author: 'user:nurse-1', body: 'Call back', createdAt: null };
    const once = applyEvent(open, event({ seq: 1, kind: 'note_added', note }), DEFAULT_FILTER, me);
    const twice = applyEvent(once, event({ seq: 2, kind: 'note_added', note }), DEFAULT_FILTER, me);
    expect(twice.thread?.notes.map((n) => n.id)).toEqual(['n1']);
  });
});
