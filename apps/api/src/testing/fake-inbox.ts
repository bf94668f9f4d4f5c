// The inbox part of the fake MessagingService (fake-messaging.ts): states, assignment, notes,
// MarkRead, routing rules, and WatchInbox over an in-memory per-tenant event log with the real
// contract's ordering (seq per tenant, replay after `after_seq`, then live). Every change made
// through the fake appends its event, so app tests can watch REST calls arrive on the stream.
import { randomUUID } from 'node:crypto';
import {
  type AddNoteRequest,
  type AddNoteResponse,
  type AssignConversationRequest,
  type AssignConversationResponse,
  type Conversation,
  ConversationStatus,
  type GetRoutingRulesResponse,
  type InboxEvent,
  InboxEventKind,
  type ListNotesRequest,
  type ListNotesResponse,
  type MarkReadRequest,
  type MarkReadResponse,
  type Note,
  type RoutingRules,
  type SetConversationStateRequest,
  type SetConversationStateResponse,
  type SetRoutingRulesRequest,
  type SetRoutingRulesResponse,
  type WatchInboxRequest,
} from '@careline/contracts';
import { type Caller, failedPrecondition, invalidArgument, unauthenticated } from '@careline/runtime';
import type { InboxStreamHandle, InboxStreamHandlers } from '../grpc/messaging-client';

export interface FakeInbox {
  setConversationState: (caller: Caller | undefined, request: SetConversationStateRequest) => SetConversationStateResponse;
  assignConversation: (caller: Caller | undefined, request: AssignConversationRequest) => AssignConversationResponse;
  addNote: (caller: Caller | undefined, request: AddNoteRequest) => AddNoteResponse;
  listNotes: (caller: Caller | undefined, request: ListNotesRequest) => ListNotesResponse;
  markRead: (caller: Caller | undefined, request: MarkReadRequest) => MarkReadResponse;
  getRoutingRules: (caller: Caller | undefined) => GetRoutingRulesResponse;
  setRoutingRules: (caller: Caller | undefined, request: SetRoutingRulesRequest) => SetRoutingRulesResponse;
  watchInbox: (caller: Caller | undefined, request: WatchInboxRequest, handlers: InboxStreamHandlers) => InboxStreamHandle;
  /** Appends an event to a tenant's log (as messaging does for a patient message); returns it with its seq. */
  emit: (tenantId: string, event: Partial<InboxEvent> & { kind: InboxEventKind; conversationId: string }) => InboxEvent;
  /** The tenant's last seq (0 before any event). */
  lastSeq: (tenantId: string) => number;
  /** Ends every open stream as messaging does when it shuts down (clean end, no error). */
  endStreams: () => void;
}

export const STAFF_SUBJECTS = ['nurse-1', 'nurse-2'] as const;

export function createFakeInbox(options: {
  clock: () => Date;
  find: (caller: Caller | undefined, conversationId: string) => Conversation;
  update: (conversation: Conversation) => void;
}): FakeInbox {
  const { clock, find, update } = options;
  const logs = new Map<string, InboxEvent[]>();
  // `ready`: the replay ran; until then new events wait in the log (and the replay delivers them)
  const streams = new Set<{ tenantId: string; handlers: InboxStreamHandlers; after: number; ready: boolean }>();
  const notes = new Map<string, Note[]>();
  const rules = new Map<string, RoutingRules>();

  const tenantOf = (caller: Caller | undefined): string => {
    if (caller?.tenantId === undefined) throw unauthenticated('tenant_required', 'x-careline-tenant is required.');
    return caller.tenantId;
  };

  function emit(tenantId: string, partial: Partial<InboxEvent> & { kind: InboxEventKind; conversationId: string }): InboxEvent {
    const log = logs.get(tenantId) ?? [];
    logs.set(tenantId, log);
    const event: InboxEvent = {
      seq: log.length + 1,
      messageId: '',
      occurredAt: clock(),
      actor: 'system',
      conversation: undefined,
      message: undefined,
      note: undefined,
      facts: {},
      ...partial,
    };
    log.push(event);
    for (const stream of streams) {
      if (stream.ready && stream.tenantId === tenantId && event.seq > stream.after) {
        stream.after = event.seq;
        stream.handlers.onEvent(event);
      }
    }
    return event;
  }

  const changed = (caller: Caller | undefined, conversation: Conversation, kind: InboxEventKind, facts: Record<string, string>) => {
    update(conversation);
    emit(tenantOf(caller), { kind, conversationId: conversation.id, conversation, actor: caller?.actor ?? '', facts });
  };

  return {
    setConversationState(caller, request) {
      if (request.status === ConversationStatus.CONVERSATION_STATUS_UNSPECIFIED) throw invalidArgument('invalid_state', 'status is required.');
      const before = find(caller, request.conversationId);
      const closed = request.status === ConversationStatus.CONVERSATION_STATUS_CLOSED;
      const conversation = { ...before, status: request.status, closedAt: closed ? clock() : undefined };
      changed(caller, conversation, InboxEventKind.INBOX_EVENT_KIND_CONVERSATION_STATE, { status: request.status });
      return { conversation };
    },
    assignConversation(caller, request) {
      const before = find(caller, request.conversationId);
      if (request.assignedTo !== '' && !(STAFF_SUBJECTS as readonly string[]).includes(request.assignedTo)) {
        throw invalidArgument('unknown_assignee', 'No active member of staff has that subject in the tenant.');
      }
      const teamId = request.teamId === '' ? (request.assignedTo === '' ? '' : before.teamId) : request.teamId;
      const conversation = { ...before, assignedTo: request.assignedTo, teamId };
      changed(caller, conversation, InboxEventKind.INBOX_EVENT_KIND_CONVERSATION_ASSIGNED, { assigned_to: request.assignedTo, team_id: teamId });
      return { conversation };
    },
    addNote(caller, request) {
      const conversation = find(caller, request.conversationId);
      const note: Note = { id: randomUUID(), conversationId: conversation.id, author: caller?.actor ?? '', body: request.body, createdAt: clock() };
      notes.set(conversation.id, [...(notes.get(conversation.id) ?? []), note]);
      emit(tenantOf(caller), { kind: InboxEventKind.INBOX_EVENT_KIND_NOTE_ADDED, conversationId: conversation.id, conversation, note, actor: note.author });
      return { note };
    },
    listNotes(caller, request) {
      const conversation = find(caller, request.conversationId);
      return { notes: notes.get(conversation.id) ?? [] };
    },
    markRead(caller, request) {
      const before = find(caller, request.conversationId);
      const conversation = { ...before, unreadCount: 0 };
      if (before.unreadCount > 0) changed(caller, conversation, InboxEventKind.INBOX_EVENT_KIND_CONVERSATION_READ, {});
      return { conversation, markedWamid: before.unreadCount > 0 ? 'wamid.fake-latest' : '' };
    },
    getRoutingRules(caller) {
      return { rules: rules.get(tenantOf(caller)) };
    },
    setRoutingRules(caller, request) {
      if (request.rules === undefined) throw invalidArgument('invalid_routing_rules', 'rules are required.');
      const stored = { ...request.rules, updatedAt: clock() };
      rules.set(tenantOf(caller), stored);
      return { rules: stored };
    },
    watchInbox(caller, request, handlers) {
      const tenantId = tenantOf(caller);
      if (request.afterSeq > (logs.get(tenantId) ?? []).length) {
        // the real stream fails the call the same way (after the caller attached its handlers)
        queueMicrotask(() => handlers.onEnd(failedPrecondition('inbox_resume_expired', 'Events after that seq are not kept.')));
        return { cancel: () => undefined };
      }
      const stream = { tenantId, handlers, after: request.afterSeq, ready: false };
      streams.add(stream);
      // like gRPC, nothing arrives before the call returned its handle
      queueMicrotask(() => {
        for (const event of logs.get(tenantId) ?? []) {
          if (!streams.has(stream)) return;
          if (event.seq <= stream.after) continue;
          stream.after = event.seq;
          handlers.onEvent(event);
        }
        stream.ready = true;
      });
      return {
        cancel: () => {
          streams.delete(stream);
        },
      };
    },
    emit,
    lastSeq: (tenantId) => (logs.get(tenantId) ?? []).length,
    endStreams() {
      for (const stream of [...streams]) {
        streams.delete(stream);
        stream.handlers.onEnd(undefined);
      }
    },
  };
}
