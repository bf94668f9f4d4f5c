// records' one door to messaging: SendTemplate for the "result ready" notice and the one-time
// codes, SendInteractive for the self-service list of released documents (records never talks to
// Meta). Calls carry the caller in metadata (the member of staff who
// shares, or `service:records` for codes the patient asked for) and a deadline; failures become
// DomainErrors here, once.
import { type ServiceError, credentials } from '@grpc/grpc-js';
import {
  MessagingServiceClient,
  type SendInteractiveRequest,
  type SendInteractiveResponse,
  type SendTemplateRequest,
  type SendTemplateResponse,
} from '@careline/contracts';
import {
  type Caller,
  type DomainError,
  fromGrpcError,
  metadataForCaller,
  unavailable,
} from '@careline/runtime';

export interface MessagingClient {
  sendTemplate(caller: Caller, request: SendTemplateRequest): Promise<SendTemplateResponse>;
  sendInteractive(caller: Caller, request: SendInteractiveRequest): Promise<SendInteractiveResponse>;
  close(): void;
}

export interface MessagingClientOptions {
  /** grpc-js target, e.g. `127.0.0.1:50051`. */
  target: string;
  timeoutMs: number;
}

/** A messaging that cannot be reached is `messaging_unavailable`; its own refusals keep their code. */
export function messagingCallError(error: unknown): DomainError {
  const domain = fromGrpcError(error);
  if (domain.kind === 'unavailable' && domain.code.startsWith('upstream_')) {
    return unavailable('messaging_unavailable', 'The messaging service is unavailable; try again shortly.', {
      cause: error,
    });
  }
  return domain;
}

export function createMessagingClient(options: MessagingClientOptions): MessagingClient {
  const client = new MessagingServiceClient(options.target, credentials.createInsecure(), {
    'grpc.initial_reconnect_backoff_ms': 500,
    'grpc.max_reconnect_backoff_ms': 5000,
  });
  return {
    sendTemplate: (caller, request) =>
      new Promise((resolve, reject) => {
        client.sendTemplate(
          request,
          metadataForCaller(caller),
          { deadline: new Date(Date.now() + options.timeoutMs) },
          (error: ServiceError | null, response: SendTemplateResponse) =>
            error ? reject(messagingCallError(error)) : resolve(response),
        );
      }),
    sendInteractive: (caller, request) =>
      new Promise((resolve, reject) => {
        client.sendInteractive(
          request,
          metadataForCaller(caller),
          { deadline: new Date(Date.now() + options.timeoutMs) },
          (error: ServiceError | null, response: SendInteractiveResponse) =>
            error ? reject(messagingCallError(error)) : resolve(response),
        );
      }),
    close: () => client.close(),
  };
}
