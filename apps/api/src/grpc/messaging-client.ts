// The api's one door to messaging: MessagingService calls made on behalf of an authenticated
// caller (tenant, actor and roles in metadata with the current traceparent, never in a body), each
// bounded by a deadline, and failures turned back into DomainErrors here, once, so the HTTP edge
// only has to throw them.
import { type ClientUnaryCall, type ServiceError, credentials } from '@grpc/grpc-js';
import {
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
} from '@careline/contracts';
import { type Caller, DomainError, fromGrpcError, metadataForCaller, unavailable } from '@careline/runtime';

export const MESSAGING_SERVICE_NAME = 'careline.messaging.v1.MessagingService';

export interface MessagingClient {
  listConversations(caller: Caller, request: ListConversationsRequest): Promise<ListConversationsResponse>;
  getConversation(caller: Caller, request: GetConversationRequest): Promise<GetConversationResponse>;
  listMessages(caller: Caller, request: ListMessagesRequest): Promise<ListMessagesResponse>;
  sendText(caller: Caller, request: SendTextRequest): Promise<SendTextResponse>;
  /** Resolves when messaging's gRPC health says SERVING; throws an `unavailable` DomainError otherwise. */
  checkHealth(): Promise<void>;
  close(): void;
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
