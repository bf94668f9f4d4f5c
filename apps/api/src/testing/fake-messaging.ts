// A small in-memory MessagingService for the api's tests, following the contract in
// proto/careline/messaging/v1/messaging.proto: tenant from the caller (never the body), another
// tenant's conversation is NOT_FOUND `conversation_not_found`, SendText outside the window is
// FAILED_PRECONDITION `window_closed`, idempotent by key. The same fake serves in-process (as a
// MessagingClient) and behind a real gRPC server (handlers()), so the integration tests exercise
// metadata, status codes and trailers for real. The real messaging runs in the end-to-end suite.
import { randomUUID } from 'node:crypto';
import { type Metadata, status as GrpcStatus } from '@grpc/grpc-js';
import {
  type BreakGlassRequest,
  type BreakGlassResponse,
  BreakGlassReason,
  ContactState,
  type Conversation,
  ConversationStatus,
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
  type SetConversationRestrictionRequest,
  type SetConversationRestrictionResponse,
  type GetConsentRequest,
  type GetConsentResponse,
  type ListTemplatesRequest,
  type ListTemplatesResponse,
  MessagePurpose,
  MessagingConsentState,
  MessagingConsentSource,
  type MessagingConsent,
  type SendTemplateRequest,
  type SendTemplateResponse,
  type SetConsentRequest,
  type SetConsentResponse,
  type GetMediaRequest,
  type GetMediaResponse,
  type SyncTemplatesRequest,
  type SyncTemplatesResponse,
  type Template,
  TemplateCategory,
  TemplateStatus,
  type ErasePatientRequest,
  type ErasePatientResponse,
  type GetRetentionPolicyResponse,
  type SetRetentionPolicyRequest,
  type SetRetentionPolicyResponse,
} from '@careline/contracts';
import {
  type Caller,
  type Logger,
  currentTraceId,
  failedPrecondition,
  grpcUnary,
  invalidArgument,
  notFound,
  traceparentFromMetadata,
  unauthenticated,
  unavailable,
} from '@careline/runtime';
import type { MessagingClient } from '../grpc/messaging-client';
import { type FakeInbox, createFakeInbox } from './fake-inbox';

export interface RecordedCall {
  method:
    | 'listConversations'
    | 'getConversation'
    | 'listMessages'
    | 'sendText'
    | 'setConversationRestriction'
    | 'breakGlass'
    | 'listTemplates'
    | 'syncTemplates'
    | 'sendTemplate'
    | 'getConsent'
    | 'setConsent'
    | 'getMedia'
    // the inbox (fake-inbox.ts)
    | 'setConversationState'
    | 'assignConversation'
    | 'addNote'
    | 'listNotes'
    | 'markRead'
    | 'getRoutingRules'
    | 'setRoutingRules'
    | 'watchInbox'
    // retention and erasure (issue 7)
    | 'erasePatient'
    | 'getRetentionPolicy'
    | 'setRetentionPolicy';
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
    contactState: ContactState.CONTACT_STATE_UNVERIFIED,
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
    restricted: false,
    status: ConversationStatus.CONVERSATION_STATUS_OPEN,
    teamId: '',
    openedAt: new Date(now - 3600_000),
    slaBreached: false,
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
    traceId: '',
    content: { $case: 'text', value: { body: 'Hello, I have a question' } },
    ...overrides,
  };
}

/** The fake's template registry: appointment_reminder (en_US, es; body {{1}} {{2}}), welcome (MARKETING, en_US). */
export function sampleTemplates(): Template[] {
  const base = {
    status: TemplateStatus.TEMPLATE_STATUS_APPROVED,
    headerFormat: '',
    wabaId: '102290129340398',
    syncedAt: new Date(),
    statusReason: '',
    buttons: [],
  };
  const reminder = (languageCode: string, bodyText: string): Template => ({
    ...base,
    name: 'appointment_reminder',
    languageCode,
    category: TemplateCategory.TEMPLATE_CATEGORY_UTILITY,
    bodyText,
    parameters: [
      { name: '1', component: 'body', example: '' },
      { name: '2', component: 'body', example: '' },
    ],
  });
  return [
    reminder('en_US', 'Hello {{1}}, your appointment is on {{2}}.'),
    reminder('es', 'Hola {{1}}, su cita es el {{2}}.'),
    {
      ...base,
      name: 'welcome',
      languageCode: 'en_US',
      category: TemplateCategory.TEMPLATE_CATEGORY_MARKETING,
      bodyText: 'Welcome {{1}}.',
      parameters: [{ name: '1', component: 'body', example: '' }],
    },
  ];
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
  /** The inbox part: event log, WatchInbox streams, notes, rules (fake-inbox.ts). */
  inbox: FakeInbox;
  /** Stores the bytes of a media message added with `add` (GetMedia answers media_pending without). */
  addMedia(messageId: string, media: Omit<GetMediaResponse, 'sizeBytes' | 'sha256'>): void;
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
  const templates = sampleTemplates();
  const consents = new Map<string, MessagingConsent>();
  const templateSends = new Map<string, SendTemplateResponse>();
  let serving = true;
  let latencyMs = 0;
  const media = new Map<string, Omit<GetMediaResponse, 'sizeBytes' | 'sha256'>>();
  // erasures by (tenant, conversation id), so a second erase answers the first one's counts
  const erasures = new Map<string, ErasePatientResponse>();
  const retention = new Map<string, { closedConversationDays: number; updatedAt: Date }>();

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
        traceId: currentTraceId() ?? '',
        content: { $case: 'text', value: { body: request.text } },
      };
      sent.set(key, message);
      messages.set(conversation.id, [message, ...(messages.get(conversation.id) ?? [])]);
      return { message };
    },
    setConversationRestriction: (
      caller: Caller | undefined,
      request: SetConversationRestrictionRequest,
    ): SetConversationRestrictionResponse => {
      const conversation = { ...find(caller, request.conversationId), restricted: request.restricted };
      conversations.set(conversation.id, conversation);
      return { conversation };
    },
    // The fake keeps no grants and enforces no restriction: it checks what the contract refuses.
    breakGlass: (caller: Caller | undefined, request: BreakGlassRequest): BreakGlassResponse => {
      const conversation = find(caller, request.conversationId);
      if (request.reason === BreakGlassReason.BREAK_GLASS_REASON_UNSPECIFIED || request.justification.trim().length < 10)
        throw invalidArgument('invalid_break_glass', 'A reason and a justification of 10 to 500 characters are required.');
      if (!conversation.restricted)
        throw failedPrecondition('not_restricted', 'The conversation is not restricted.');
      const expiresAt = new Date(clock().getTime() + (request.durationMinutes || 30) * 60_000);
      return { grantId: randomUUID(), expiresAt, conversation: { ...conversation, breakGlassUntil: expiresAt } };
    },
    // The patient is the conversation's wa_id_hash: every conversation of it goes, as in messaging.
    erasePatient: (caller: Caller | undefined, request: ErasePatientRequest): ErasePatientResponse => {
      const tenantId = tenantOf(caller);
      const earlier = erasures.get(`${tenantId}|${request.conversationId}`);
      if (earlier !== undefined) return earlier;
      const conversation = find(caller, request.conversationId);
      const reason = [...request.reason.trim()].length;
      if (reason < 10 || reason > 500) throw invalidArgument('invalid_erasure', 'The reason must be 10 to 500 characters.');
      const patients = [...conversations.values()].filter(
        (c) => c.tenantId === tenantId && c.patientWaIdHash === conversation.patientWaIdHash,
      );
      const response: ErasePatientResponse = {
        erasureId: randomUUID(),
        conversationIds: patients.map((c) => c.id).sort(),
        messagesErased: patients.reduce((n, c) => n + (messages.get(c.id)?.length ?? 0), 0),
        mediaErased: 0,
        notesErased: 0,
        inboxEventsErased: 0,
        keyDestroyed: true,
        erasedAt: clock(),
      };
      for (const c of patients) {
        conversations.delete(c.id);
        messages.delete(c.id);
        erasures.set(`${tenantId}|${c.id}`, response);
      }
      return response;
    },
    getRetentionPolicy: (caller: Caller | undefined): GetRetentionPolicyResponse => {
      const policy = retention.get(tenantOf(caller));
      return { policy: { closedConversationDays: policy?.closedConversationDays ?? 0, updatedAt: policy?.updatedAt } };
    },
    setRetentionPolicy: (caller: Caller | undefined, request: SetRetentionPolicyRequest): SetRetentionPolicyResponse => {
      const tenantId = tenantOf(caller);
      const days = request.policy?.closedConversationDays ?? 0;
      if (!Number.isInteger(days) || days < 0 || days > 36_500)
        throw invalidArgument('invalid_retention_policy', 'closed_conversation_days must be 0 to 36500.');
      const policy = { closedConversationDays: days, updatedAt: clock() };
      retention.set(tenantId, policy);
      return { policy };
    },
    listTemplates: (caller: Caller | undefined, request: ListTemplatesRequest): ListTemplatesResponse => {
      tenantOf(caller);
      const list = templates.filter((t) => !request.approvedOnly || t.status === TemplateStatus.TEMPLATE_STATUS_APPROVED);
      return { templates: list, syncedAt: clock() };
    },
    syncTemplates: (caller: Caller | undefined, _request: SyncTemplatesRequest): SyncTemplatesResponse => {
      tenantOf(caller);
      return { templateCount: templates.length, syncedAt: clock() };
    },
    // The fake: recipient by conversation only; language exact, else same base, else en_US; the
    // parameter count checked; opted out refuses non-essential purposes.
    sendTemplate: (caller: Caller | undefined, request: SendTemplateRequest): SendTemplateResponse => {
      if (request.recipient?.$case !== 'conversationId') throw invalidArgument('invalid_recipient', 'The fake takes conversations only.');
      const conversation = find(caller, request.recipient.value);
      if (request.idempotencyKey === '') throw invalidArgument('idempotency_key_required', 'idempotency_key is required.');
      const earlier = templateSends.get(`${conversation.tenantId}/${request.idempotencyKey}`);
      if (earlier) return earlier;
      const named = templates.filter((t) => t.name === request.templateName);
      const wanted = request.languageCode;
      const template =
        named.find((t) => t.languageCode === wanted) ??
        named.find((t) => t.languageCode.split('_')[0] === wanted.split('_')[0]) ??
        named.find((t) => t.languageCode === 'en_US');
      if (template === undefined) throw notFound('template_not_found', 'No approved template of that name.');
      const essential =
        request.purpose === MessagePurpose.MESSAGE_PURPOSE_VERIFICATION || request.purpose === MessagePurpose.MESSAGE_PURPOSE_CONFIRMATION;
      if (consents.get(conversation.id)?.state === MessagingConsentState.MESSAGING_CONSENT_STATE_OPTED_OUT && !essential) {
        throw failedPrecondition('opted_out', 'The patient opted out.', { details: { conversationId: conversation.id, reason: 'opted_out' } });
      }
      for (const spec of template.parameters) {
        const value = request.parameters.find((p) => p.name === spec.name);
        if (value === undefined || value.text.trim() === '' || /[\n\t]/.test(value.text)) {
          throw invalidArgument('invalid_template_parameters', `Template parameter ${spec.name}: missing or invalid.`, {
            details: { parameter: spec.name },
          });
        }
      }
      const message: Message = {
        ...sampleMessage({ conversationId: conversation.id }),
        direction: MessageDirection.MESSAGE_DIRECTION_OUTBOUND,
        wamid: '',
        status: { state: MessageState.MESSAGE_STATE_QUEUED, errorCode: '', reason: '', updatedAt: clock() },
        sentBy: caller?.actor ?? '',
        content: { $case: 'template', value: { name: template.name, languageCode: template.languageCode, previewText: template.bodyText } },
      };
      const response = { message, conversationId: conversation.id, languageCode: template.languageCode };
      templateSends.set(`${conversation.tenantId}/${request.idempotencyKey}`, response);
      messages.set(conversation.id, [message, ...(messages.get(conversation.id) ?? [])]);
      return response;
    },
    getConsent: (caller: Caller | undefined, request: GetConsentRequest): GetConsentResponse => {
      const conversation = find(caller, request.conversationId);
      return { consent: consents.get(conversation.id) ?? emptyConsent(conversation.id) };
    },
    setConsent: (caller: Caller | undefined, request: SetConsentRequest): SetConsentResponse => {
      const conversation = find(caller, request.conversationId);
      if (request.state === MessagingConsentState.MESSAGING_CONSENT_STATE_UNSPECIFIED && request.preferredLanguageCode === '') {
        throw invalidArgument('invalid_consent', 'Give a state or a language.');
      }
      const before = consents.get(conversation.id) ?? emptyConsent(conversation.id);
      const changed = request.state !== MessagingConsentState.MESSAGING_CONSENT_STATE_UNSPECIFIED;
      const consent: MessagingConsent = {
        ...before,
        ...(changed ? { state: request.state, source: request.source, changedAt: clock() } : {}),
        preferredLanguageCode: request.preferredLanguageCode || before.preferredLanguageCode,
        history: changed
          ? [{ state: request.state, source: request.source, changedAt: clock(), changedBy: caller?.actor ?? '', marketingStopped: false }, ...before.history]
          : before.history,
      };
      consents.set(conversation.id, consent);
      conversations.set(conversation.id, { ...conversation, optedOut: consent.state === MessagingConsentState.MESSAGING_CONSENT_STATE_OPTED_OUT });
      return { consent };
    },
    getMedia: (caller: Caller | undefined, request: GetMediaRequest): GetMediaResponse => {
      const conversation = find(caller, request.conversationId);
      const message = (messages.get(conversation.id) ?? []).find((m) => m.id === request.messageId);
      if (message?.content?.$case !== 'media') throw notFound('media_not_found', 'No such media message.');
      const stored = media.get(message.id);
      if (stored === undefined) throw failedPrecondition('media_pending', 'Not fetched yet.');
      return { ...stored, sizeBytes: stored.content.byteLength, sha256: '' };
    },
  };

  const down = () => unavailable('upstream_unavailable', 'The upstream call failed (unavailable).');
  const inbox = createFakeInbox({ clock, find, update: (conversation) => conversations.set(conversation.id, conversation) });

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
      setConversationRestriction: inProcess('setConversationRestriction', service.setConversationRestriction),
      breakGlass: inProcess('breakGlass', service.breakGlass),
      listTemplates: inProcess('listTemplates', service.listTemplates),
      syncTemplates: inProcess('syncTemplates', service.syncTemplates),
      sendTemplate: inProcess('sendTemplate', service.sendTemplate),
      getConsent: inProcess('getConsent', service.getConsent),
      setConsent: inProcess('setConsent', service.setConsent),
      getMedia: inProcess('getMedia', service.getMedia),
      setConversationState: inProcess('setConversationState', inbox.setConversationState),
      assignConversation: inProcess('assignConversation', inbox.assignConversation),
      addNote: inProcess('addNote', inbox.addNote),
      listNotes: inProcess('listNotes', inbox.listNotes),
      markRead: inProcess('markRead', inbox.markRead),
      getRoutingRules: inProcess('getRoutingRules', (caller) => inbox.getRoutingRules(caller)),
      setRoutingRules: inProcess('setRoutingRules', inbox.setRoutingRules),
      erasePatient: inProcess('erasePatient', service.erasePatient),
      getRetentionPolicy: inProcess('getRetentionPolicy', (caller) => service.getRetentionPolicy(caller)),
      setRetentionPolicy: inProcess('setRetentionPolicy', service.setRetentionPolicy),
      watchInbox: (caller, request, handlers) => {
        calls.push({ method: 'watchInbox', caller, request });
        if (!serving) {
          queueMicrotask(() => handlers.onEnd(unavailable('service_unavailable', 'The messaging service is unavailable.')));
          return { cancel: () => undefined };
        }
        return inbox.watchInbox(caller, request, handlers);
      },
      checkHealth: () =>
        serving ? Promise.resolve() : Promise.reject(unavailable('messaging_not_serving', 'not serving')),
      close: () => undefined,
    },
    handlers: (logger) => ({
      listConversations: overGrpc(logger, 'listConversations', service.listConversations),
      getConversation: overGrpc(logger, 'getConversation', service.getConversation),
      listMessages: overGrpc(logger, 'listMessages', service.listMessages),
      sendText: overGrpc(logger, 'sendText', service.sendText),
      setConversationRestriction: overGrpc(logger, 'setConversationRestriction', service.setConversationRestriction),
      breakGlass: overGrpc(logger, 'breakGlass', service.breakGlass),
      sendTemplate: overGrpc(logger, 'sendTemplate', service.sendTemplate),
      listTemplates: overGrpc(logger, 'listTemplates', service.listTemplates),
      syncTemplates: overGrpc(logger, 'syncTemplates', service.syncTemplates),
      getConsent: overGrpc(logger, 'getConsent', service.getConsent),
      setConsent: overGrpc(logger, 'setConsent', service.setConsent),
      getMedia: overGrpc(logger, 'getMedia', service.getMedia),
      setConversationState: overGrpc(logger, 'setConversationState', inbox.setConversationState),
      assignConversation: overGrpc(logger, 'assignConversation', inbox.assignConversation),
      addNote: overGrpc(logger, 'addNote', inbox.addNote),
      listNotes: overGrpc(logger, 'listNotes', inbox.listNotes),
      markRead: overGrpc(logger, 'markRead', inbox.markRead),
      getRoutingRules: overGrpc(logger, 'getRoutingRules', (caller) => inbox.getRoutingRules(caller)),
      setRoutingRules: overGrpc(logger, 'setRoutingRules', inbox.setRoutingRules),
      erasePatient: overGrpc(logger, 'erasePatient', service.erasePatient),
      getRetentionPolicy: overGrpc(logger, 'getRetentionPolicy', (caller) => service.getRetentionPolicy(caller)),
      setRetentionPolicy: overGrpc(logger, 'setRetentionPolicy', service.setRetentionPolicy),
      // the api's integration tests use the in-process client for the stream
      watchInbox: (call) => {
        call.emit('error', { code: GrpcStatus.UNIMPLEMENTED, details: 'WatchInbox is not served by the fake over gRPC' });
      },
      // the api does not send interactive messages (scheduling does, over gRPC)
      sendInteractive: grpcUnary(() => Promise.reject(unavailable('upstream_unimplemented', 'not in the fake')), { logger }),
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
    inbox,
    addMedia(messageId, stored) {
      media.set(messageId, stored);
    },
  };
}

function emptyConsent(conversationId: string): MessagingConsent {
  return {
    conversationId,
    state: MessagingConsentState.MESSAGING_CONSENT_STATE_UNSPECIFIED,
    source: MessagingConsentSource.MESSAGING_CONSENT_SOURCE_UNSPECIFIED,
    changedAt: undefined,
    marketingStopped: false,
    preferredLanguageCode: '',
    history: [],
  };
}

function metadataMap(metadata: Metadata): Record<string, unknown> {
  return { ...metadata.getMap() };
}
