// The api's one door to messaging: MessagingService calls made on behalf of an authenticated
// caller (tenant, actor and roles in metadata with the current traceparent, never in a body), each
// bounded by a deadline, and failures turned back into DomainErrors here, once, so the HTTP edge
// only has to throw them.
import { type ClientUnaryCall, type ServiceError, credentials } from '@grpc/grpc-js';
import {
  type AddNoteRequest,
  type AddNoteResponse,
  type AssignConversationRequest,
  type AssignConversationResponse,
  type GetRoutingRulesRequest,
  type GetRoutingRulesResponse,
  type InboxEvent,
  type ListNotesRequest,
  type ListNotesResponse,
  type MarkReadRequest,
  type MarkReadResponse,
  type SetConversationStateRequest,
  type SetConversationStateResponse,
  type SetRoutingRulesRequest,
  type SetRoutingRulesResponse,
  type WatchInboxRequest,
  type WatchInboxResponse,
  type BreakGlassRequest,
  type BreakGlassResponse,
  type GetConversationRequest,
  type HealthCheckResponse,
  type GetConversationResponse,
  HealthCheckResponse_ServingStatus as ServingStatus,
  HealthClient,
  type ListConversationsRequest,
  type ListConversationsResponse,
  type ListMessagesRequest,
  type ListMessagesResponse,
  MessagingServiceClient,
  type SendTextRequest,
  type SendTextResponse,
  type SetConversationRestrictionRequest,
  type SetConversationRestrictionResponse,
  type GetConsentRequest,
  type GetConsentResponse,
  type ListTemplatesRequest,
  type ListTemplatesResponse,
  type SendTemplateRequest,
  type SendTemplateResponse,
  type SetConsentRequest,
  type SetConsentResponse,
  type SyncTemplatesRequest,
  type SyncTemplatesResponse,
  type GetMediaRequest,
  type GetMediaResponse,
  type ErasePatientRequest,
  type ErasePatientResponse,
  type GetRetentionPolicyRequest,
  type GetRetentionPolicyResponse,
  type SetRetentionPolicyRequest,
  type SetRetentionPolicyResponse,
} from '@careline/contracts';
import { type Caller, DomainError, fromGrpcError, metadataForCaller, unavailable } from '@careline/runtime';

export const MESSAGING_SERVICE_NAME = 'careline.messaging.v1.MessagingService';

export interface MessagingClient {
  listConversations(caller: Caller, request: ListConversationsRequest): Promise<ListConversationsResponse>;
  getConversation(caller: Caller, request: GetConversationRequest): Promise<GetConversationResponse>;
  listMessages(caller: Caller, request: ListMessagesRequest): Promise<ListMessagesResponse>;
  sendText(caller: Caller, request: SendTextRequest): Promise<SendTextResponse>;
  setConversationRestriction(caller: Caller, request: SetConversationRestrictionRequest): Promise<SetConversationRestrictionResponse>;
  breakGlass(caller: Caller, request: BreakGlassRequest): Promise<BreakGlassResponse>;
  // templates and consent
  listTemplates(caller: Caller, request: ListTemplatesRequest): Promise<ListTemplatesResponse>;
  syncTemplates(caller: Caller, request: SyncTemplatesRequest): Promise<SyncTemplatesResponse>;
  sendTemplate(caller: Caller, request: SendTemplateRequest): Promise<SendTemplateResponse>;
  getConsent(caller: Caller, request: GetConsentRequest): Promise<GetConsentResponse>;
  setConsent(caller: Caller, request: SetConsentRequest): Promise<SetConsentResponse>;
  // media: the decrypted bytes of a patient's media message (up to 16 MiB in one answer)
  getMedia(caller: Caller, request: GetMediaRequest): Promise<GetMediaResponse>;
  // the inbox: states, assignment, notes, read receipts, routing rules, live events
  setConversationState(caller: Caller, request: SetConversationStateRequest): Promise<SetConversationStateResponse>;
  assignConversation(caller: Caller, request: AssignConversationRequest): Promise<AssignConversationResponse>;
  addNote(caller: Caller, request: AddNoteRequest): Promise<AddNoteResponse>;
  listNotes(caller: Caller, request: ListNotesRequest): Promise<ListNotesResponse>;
  markRead(caller: Caller, request: MarkReadRequest): Promise<MarkReadResponse>;
  getRoutingRules(caller: Caller, request: GetRoutingRulesRequest): Promise<GetRoutingRulesResponse>;
  setRoutingRules(caller: Caller, request: SetRoutingRulesRequest): Promise<SetRoutingRulesResponse>;
  // retention and erasure (issue 7)
  erasePatient(caller: Caller, request: ErasePatientRequest): Promise<ErasePatientResponse>;
  getRetentionPolicy(caller: Caller, request: GetRetentionPolicyRequest): Promise<GetRetentionPolicyResponse>;
  setRetentionPolicy(caller: Caller, request: SetRetentionPolicyRequest): Promise<SetRetentionPolicyResponse>;
  /** Opens WatchInbox (no deadline: it lasts as long as the caller keeps it). */
  watchInbox(caller: Caller, request: WatchInboxRequest, handlers: InboxStreamHandlers): InboxStreamHandle;
  /** Resolves when messaging's gRPC health says SERVING; throws an `unavailable` DomainError otherwise. */
  checkHealth(): Promise<void>;
  close(): void;
}

export interface InboxStreamHandlers {
  onEvent(event: InboxEvent): void;
  /** The stream ended: `error` undefined when messaging ended it cleanly (e.g. shutting down). Not called after cancel(). */
  onEnd(error: DomainError | undefined): void;
}

export interface InboxStreamHandle {
  cancel(): void;
}

export interface MessagingClientOptions {
  /** grpc-js target, e.g. `127.0.0.1:50051` or `dns:///messaging:50051`. */
  target: string;
  /** Deadline of each call. */
  timeoutMs: number;
  /** Deadline of a health check (readiness has its own bound too). Default 1000 ms. */
  healthTimeoutMs?: number;
}

const CHANNEL_OPTIONS = {
  // grpc-js backs off up to 2 minutes between reconnects by default; a restarted messaging
  // should be reachable again within seconds, not minutes.
  'grpc.initial_reconnect_backoff_ms': 500,
  'grpc.max_reconnect_backoff_ms': 5000,
  // GetMedia answers with up to 16 MiB of media in one message (grpc-js accepts 4 MiB by default)
  'grpc.max_receive_message_length': 20 * 1024 * 1024,
};

/**
 * The DomainError for a failed call. Careline errors (NOT_FOUND `conversation_not_found`,
 * FAILED_PRECONDITION `window_closed`, …) keep their code; a messaging that cannot be reached or
 * does not answer in time is `service_unavailable`; a refusal of the caller metadata is the api's
 * fault, not the user's, so it must not read as a 401 to them.
 */
export function messagingCallError(error: unknown): DomainError {
  const domain = fromGrpcError(error);
  if (domain.kind === 'unavailable' && domain.code.startsWith('upstream_')) {
    return unavailable('service_unavailable', 'The messaging service is unavailable; try again shortly.', {
      details: { service: 'messaging' },
      cause: error,
    });
  }
  if (domain.kind === 'unauthenticated') {
    return new DomainError({
      code: 'upstream_rejected_caller',
      kind: 'internal',
      message: 'The messaging service refused the caller identity sent by api.',
      cause: error,
    });
  }
  return domain;
}

type Callback<T> = (error: ServiceError | null, response: T) => void;

function invoke<T>(start: (callback: Callback<T>) => ClientUnaryCall): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    start((error, response) => (error ? reject(messagingCallError(error)) : resolve(response)));
  });
}

export function createMessagingClient(options: MessagingClientOptions): MessagingClient {
  const client = new MessagingServiceClient(options.target, credentials.createInsecure(), CHANNEL_OPTIONS);
  // Same channel as the calls, so readiness reports on the connection requests actually use.
  const health = new HealthClient(options.target, credentials.createInsecure(), {
    channelOverride: client.getChannel(),
  });
  const deadline = (ms = options.timeoutMs) => ({ deadline: new Date(Date.now() + ms) });

  return {
    listConversations: (caller, request) =>
      invoke((cb) => client.listConversations(request, metadataForCaller(caller), deadline(), cb)),
    getConversation: (caller, request) =>
      invoke((cb) => client.getConversation(request, metadataForCaller(caller), deadline(), cb)),
    listMessages: (caller, request) =>
      invoke((cb) => client.listMessages(request, metadataForCaller(caller), deadline(), cb)),
    sendText: (caller, request) =>
      invoke((cb) => client.sendText(request, metadataForCaller(caller), deadline(), cb)),
    setConversationRestriction: (caller, request) =>
      invoke((cb) => client.setConversationRestriction(request, metadataForCaller(caller), deadline(), cb)),
    breakGlass: (caller, request) =>
      invoke((cb) => client.breakGlass(request, metadataForCaller(caller), deadline(), cb)),
    listTemplates: (caller, request) =>
      invoke((cb) => client.listTemplates(request, metadataForCaller(caller), deadline(), cb)),
    // a sync waits for Meta's list through the gateway: longer than an inbox call
    syncTemplates: (caller, request) =>
      invoke((cb) => client.syncTemplates(request, metadataForCaller(caller), deadline(options.timeoutMs * 3), cb)),
    sendTemplate: (caller, request) =>
      invoke((cb) => client.sendTemplate(request, metadataForCaller(caller), deadline(), cb)),
    getConsent: (caller, request) =>
      invoke((cb) => client.getConsent(request, metadataForCaller(caller), deadline(), cb)),
    setConsent: (caller, request) =>
      invoke((cb) => client.setConsent(request, metadataForCaller(caller), deadline(), cb)),
    // up to 16 MiB decrypted and sent: longer than an inbox call
    getMedia: (caller, request) =>
      invoke((cb) => client.getMedia(request, metadataForCaller(caller), deadline(options.timeoutMs * 3), cb)),
    setConversationState: (caller, request) =>
      invoke((cb) => client.setConversationState(request, metadataForCaller(caller), deadline(), cb)),
    assignConversation: (caller, request) =>
      invoke((cb) => client.assignConversation(request, metadataForCaller(caller), deadline(), cb)),
    addNote: (caller, request) => invoke((cb) => client.addNote(request, metadataForCaller(caller), deadline(), cb)),
    listNotes: (caller, request) => invoke((cb) => client.listNotes(request, metadataForCaller(caller), deadline(), cb)),
    markRead: (caller, request) => invoke((cb) => client.markRead(request, metadataForCaller(caller), deadline(), cb)),
    getRoutingRules: (caller, request) =>
      invoke((cb) => client.getRoutingRules(request, metadataForCaller(caller), deadline(), cb)),
    setRoutingRules: (caller, request) =>
      invoke((cb) => client.setRoutingRules(request, metadataForCaller(caller), deadline(), cb)),
    // an erasure deletes many rows in one transaction: longer than an inbox call
    erasePatient: (caller, request) =>
      invoke((cb) => client.erasePatient(request, metadataForCaller(caller), deadline(options.timeoutMs * 3), cb)),
    getRetentionPolicy: (caller, request) =>
      invoke((cb) => client.getRetentionPolicy(request, metadataForCaller(caller), deadline(), cb)),
    setRetentionPolicy: (caller, request) =>
      invoke((cb) => client.setRetentionPolicy(request, metadataForCaller(caller), deadline(), cb)),
    watchInbox(caller, request, handlers) {
      const call = client.watchInbox(request, metadataForCaller(caller));
      let cancelled = false;
      let ended = false;
      const end = (error: DomainError | undefined): void => {
        if (ended || cancelled) return;
        ended = true;
        handlers.onEnd(error);
      };
      call.on('data', (response: WatchInboxResponse) => {
        if (!cancelled && response.event !== undefined) handlers.onEvent(response.event);
      });
      call.on('error', (error: unknown) => end(messagingCallError(error)));
      call.on('end', () => end(undefined));
      return {
        cancel() {
          cancelled = true;
          call.cancel();
        },
      };
    },
    async checkHealth() {
      const response = await invoke<HealthCheckResponse>((cb) =>
        health.check(
          { service: MESSAGING_SERVICE_NAME },
          metadataForCaller(undefined),
          deadline(options.healthTimeoutMs ?? 1000),
          cb,
        ),
      );
      if (response.status !== ServingStatus.SERVING) {
        throw unavailable('messaging_not_serving', `messaging reports ${response.status}`);
      }
    },
    close() {
      // One channel serves both clients; closing it once ends both.
      client.close();
    },
  };
}
