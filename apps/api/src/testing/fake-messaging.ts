// A small in-memory MessagingService for the api's tests, following the contract in
// proto/careline/messaging/v1/messaging.proto: tenant from the caller (never the body), another
// tenant's conversation is NOT_FOUND `conversation_not_found`, SendText outside the window is
// FAILED_PRECONDITION `window_closed`, idempotent by key. The same fake serves in-process (as a
// MessagingClient) and behind a real gRPC server (handlers()), so the integration tests exercise
// metadata, status codes and trailers for real. The real messaging runs in the end-to-end suite.
import { randomUUID } from 'node:crypto';
import type { Metadata } from '@grpc/grpc-js';
import {
  type Conversation,
  type GetConversationRequest,
  type GetConversationResponse,
  type ListConversationsRequest,
  type ListConversationsResponse,
  type ListMessagesRequest,
  type ListMessagesResponse,
  type Message,
  MessageDirection,
  MessageState,
  type MessagingServiceHandlers,
  type SendTextRequest,
  type SendTextResponse,
} from '@careline/contracts';
import {
  type Caller,
  type Logger,
  failedPrecondition,
  grpcUnary,
  invalidArgument,
  notFound,
  traceparentFromMetadata,
  unauthenticated,
  unavailable,
} from '@careline/runtime';
import type { MessagingClient } from '../grpc/messaging-client';

export interface RecordedCall {
  method: 'listConversations' | 'getConversation' | 'listMessages' | 'sendText';
  caller: Caller | undefined;
  request: unknown;
  /** Raw metadata values as they arrived over gRPC (integration tests only). */
  metadata?: Record<string, unknown>;
  traceparent?: string | undefined;
}

export function sampleConversation(overrides: Partial<Conversation> & { tenantId: string }): Conversation {
  const now = Date.now();
  return {
    id: randomUUID(),
    phoneNumberId: '106540352242922',
    patientId: '',
    patientWaIdHash: 'a3f5c0e1b2d4968778695a4b3c2d1e0f',
    patientDisplayName: 'Ana Example',
    patientPhoneNumber: '+16505551234',
    lastMessageAt: new Date(now - 60_000),
    lastMessagePreview: 'Hello, I have a question',
    windowOpenUntil: new Date(now + 23 * 3600_000),
    unreadCount: 1,
    assignedTo: '',
    optedOut: false,
    createdAt: new Date(now - 3600_000),
    ...overrides,
  };
}

export function sampleMessage(overrides: Partial<Message> & { conversationId: string }): Message {
  return {
    id: randomUUID(),
    direction: MessageDirection.MESSAGE_DIRECTION_INBOUND,
    wamid: `wamid.${randomUUID()}`,
    status: { state: MessageState.MESSAGE_STATE_RECEIVED, errorCode: '', reason: '', updatedAt: new Date() },
    createdAt: new Date(),
    sentBy: '',
    replyToMessageId: '',
    content: { $case: 'text', value: { body: 'Hello, I have a question' } },
    ...overrides,
  };
}

export interface FakeMessaging {
  /** In-process client (pure tests). */
  client: MessagingClient;
  /** Handlers for a real grpc-js server (integration tests). */
  handlers(logger: Logger): MessagingServiceHandlers;
  calls: RecordedCall[];
  add(conversation: Conversation, messages?: Message[]): Conversation;
  setServing(serving: boolean): void;
  /** Delays every gRPC answer (to exercise the api's deadline). */
  setLatency(ms: number): void;
}

function tenantOf(caller: Caller | undefined): string {
  if (caller?.tenantId === undefined)
    throw unauthenticated('tenant_required', 'x-careline-tenant is required.');
  return caller.tenantId;
}

function page<T>(items: readonly T[], pageSize: number, pageToken: string): { items: T[]; next: string } {
  const size = pageSize <= 0 ? 50 : Math.min(pageSize, 200);
  const start = pageToken === '' ? 0 : Number(pageToken);
  if (!Number.isInteger(start) || start < 0)
    throw invalidArgument('invalid_page_token', 'The page token is not valid.');
  const end = start + size;
  return { items: items.slice(start, end), next: end < items.length ? String(end) : '' };
}

export function createFakeMessaging(options: { clock?: () => Date } = {}): FakeMessaging {
  const clock = options.clock ?? (() => new Date());
  const conversations = new Map<string, Conversation>();
  const messages = new Map<string, Message[]>();
  const sent = new Map<string, Message>();
  const calls: RecordedCall[] = [];
  let serving = true;
  let latencyMs = 0;

  const find = (caller: Caller | undefined, conversationId: string): Conversation => {
    const tenantId = tenantOf(caller);
    const conversation = conversations.get(conversationId);
    // Another tenant's conversation does not exist for this caller.
    if (conversation?.tenantId !== tenantId) {
      throw notFound('conversation_not_found', 'No such conversation.', { details: { conversationId } });
    }
    return conversation;
  };

  const service = {
    listConversations: (
      caller: Caller | undefined,
      request: ListConversationsRequest,
    ): ListConversationsResponse => {
      const tenantId = tenantOf(caller);
      const own = [...conversations.values()].filter((c) => c.tenantId === tenantId);
      const { items, next } = page(own, request.pageSize, request.pageToken);
      return { conversations: items, nextPageToken: next };
    },
    getConversation: (
      caller: Caller | undefined,
      request: GetConversationRequest,
    ): GetConversationResponse => {
      return { conversation: find(caller, request.conversationId) };
    },
    listMessages: (caller: Caller | undefined, request: ListMessagesRequest): ListMessagesResponse => {
      const conversation = find(caller, request.conversationId);
      const { items, next } = page(messages.get(conversation.id) ?? [], request.pageSize, request.pageToken);
      return { messages: items, nextPageToken: next };
    },
    sendText: (caller: Caller | undefined, request: SendTextRequest): SendTextResponse => {
      const conversation = find(caller, request.conversationId);
      if (request.idempotencyKey === '')
        throw invalidArgument('idempotency_key_required', 'idempotency_key is required.');
      if (request.text.length === 0 || request.text.length > 4096)
        throw invalidArgument('invalid_text', 'The text is empty or too long.');
      const key = `${conversation.id}/${request.idempotencyKey}`;
      const earlier = sent.get(key);
      if (earlier) return { message: earlier };
      const until = conversation.windowOpenUntil;
      if (until === undefined || until.getTime() <= clock().getTime()) {
        throw failedPrecondition(
          'window_closed',
          'The 24-hour customer-service window is closed; send a template instead.',
          {
            details: { conversationId: conversation.id },
          },
        );
      }
      const message: Message = {
        id: randomUUID(),
        conversationId: conversation.id,
        direction: MessageDirection.MESSAGE_DIRECTION_OUTBOUND,
        wamid: '',
        status: { state: MessageState.MESSAGE_STATE_QUEUED, errorCode: '', reason: '', updatedAt: clock() },
        createdAt: clock(),
        sentBy: caller?.actor ?? '',
        replyToMessageId: request.replyToMessageId,
        content: { $case: 'text', value: { body: request.text } },
      };
      sent.set(key, message);
      messages.set(conversation.id, [message, ...(messages.get(conversation.id) ?? [])]);
      return { message };
    },
  };

  const down = () => unavailable('upstream_unavailable', 'The upstream call failed (unavailable).');

  const inProcess =
    <Req, Res>(method: RecordedCall['method'], fn: (caller: Caller | undefined, request: Req) => Res) =>
    (caller: Caller, request: Req): Promise<Res> => {
      calls.push({ method, caller, request });
      // What messagingCallError makes of an unreachable server.
      if (!serving)
        return Promise.reject(unavailable('service_unavailable', 'The messaging service is unavailable.'));
      try {
        return Promise.resolve(fn(caller, request));
      } catch (error) {
        return Promise.reject(error instanceof Error ? error : new Error('fake messaging failed'));
      }
    };

  const overGrpc = <Req, Res>(
    logger: Logger,
    method: RecordedCall['method'],
    fn: (caller: Caller | undefined, request: Req) => Res,
  ) =>
    grpcUnary<Req, Res>(
      async (request, { caller, metadata }) => {
        calls.push({
          method,
          caller,
          request,
          metadata: metadataMap(metadata),
          traceparent: traceparentFromMetadata(metadata),
        });
        if (latencyMs > 0) await new Promise((resolve) => setTimeout(resolve, latencyMs));
        if (!serving) throw down();
        return fn(caller, request);
      },
      { logger },
    );

  return {
    calls,
    client: {
      listConversations: inProcess('listConversations', service.listConversations),
      getConversation: inProcess('getConversation', service.getConversation),
      listMessages: inProcess('listMessages', service.listMessages),
      sendText: inProcess('sendText', service.sendText),
      checkHealth: () =>
        serving ? Promise.resolve() : Promise.reject(unavailable('messaging_not_serving', 'not serving')),
      close: () => undefined,
    },
    handlers: (logger) => ({
      listConversations: overGrpc(logger, 'listConversations', service.listConversations),
      getConversation: overGrpc(logger, 'getConversation', service.getConversation),
      listMessages: overGrpc(logger, 'listMessages', service.listMessages),
      sendText: overGrpc(logger, 'sendText', service.sendText),
    }),
    add(conversation, list = []) {
      conversations.set(conversation.id, conversation);
      messages.set(conversation.id, list);
      return conversation;
    },
    setServing(value) {
      serving = value;
    },
    setLatency(ms) {
      latencyMs = ms;
    },
  };
}

function metadataMap(metadata: Metadata): Record<string, unknown> {
  return { ...metadata.getMap() };
}
