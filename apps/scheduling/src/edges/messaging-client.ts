// scheduling's one door to messaging: SendTemplate (reminders) and SendInteractive (answers to
// replies), called as the service itself (`service:scheduling`) for one tenant, each bounded by a
// deadline. Failures come back as DomainErrors (fromGrpcError): the sender retries those that are
// retryable (messaging down, deadline) and gives up on the rest.
import { type ClientUnaryCall, type ServiceError, credentials } from '@grpc/grpc-js';
import {
  MessagingServiceClient,
  type SendInteractiveRequest,
  type SendInteractiveResponse,
  type SendTemplateRequest,
  type SendTemplateResponse,
} from '@careline/contracts';
import { fromGrpcError, metadataForCaller } from '@careline/runtime';

export interface MessagingPort {
  sendTemplate(tenantId: string, request: SendTemplateRequest): Promise<SendTemplateResponse>;
  sendInteractive(tenantId: string, request: SendInteractiveRequest): Promise<SendInteractiveResponse>;
  close(): void;
}

/** The actor scheduling calls messaging as (messaging must admit it for SendTemplate/SendInteractive). */
export const SCHEDULING_ACTOR = 'service:scheduling';

type Callback<T> = (error: ServiceError | null, response: T) => void;

function invoke<T>(start: (callback: Callback<T>) => ClientUnaryCall): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    start((error, response) => (error ? reject(fromGrpcError(error)) : resolve(response)));
  });
}

export function createMessagingClient(options: { target: string; timeoutMs: number }): MessagingPort {
  const client = new MessagingServiceClient(options.target, credentials.createInsecure(), {
    // a restarted messaging should be reachable again within seconds, not grpc-js' 2 minutes
    'grpc.initial_reconnect_backoff_ms': 500,
    'grpc.max_reconnect_backoff_ms': 5000,
  });
  const deadline = () => ({ deadline: new Date(Date.now() + options.timeoutMs) });
  const meta = (tenantId: string) => metadataForCaller({ tenantId, actor: SCHEDULING_ACTOR, roles: [] });
  return {
    sendTemplate: (tenantId, request) => invoke((cb) => client.sendTemplate(request, meta(tenantId), deadline(), cb)),
    sendInteractive: (tenantId, request) => invoke((cb) => client.sendInteractive(request, meta(tenantId), deadline(), cb)),
    close: () => client.close(),
  };
}
