// The api's door to the gateway's ChannelService (onboarding of WhatsApp numbers): calls made on
// behalf of an authenticated caller (tenant, actor, roles in metadata with the traceparent, never
// in a request field), each bounded by a deadline, failures turned into DomainErrors here, once.
// Requests carry credentials (write-only): they are never logged here or anywhere in the api.
import { type ClientUnaryCall, type ServiceError, credentials } from '@grpc/grpc-js';
import {
  ChannelServiceClient,
  type ListChannelsResponse,
  type RegisterChannelRequest,
  type RegisterChannelResponse,
  type UpdateChannelRequest,
  type UpdateChannelResponse,
} from '@careline/contracts';
import { type Caller, DomainError, fromGrpcError, metadataForCaller, unavailable } from '@careline/runtime';

export interface GatewayClient {
  registerChannel(caller: Caller, request: RegisterChannelRequest): Promise<RegisterChannelResponse>;
  listChannels(caller: Caller): Promise<ListChannelsResponse>;
  updateChannel(caller: Caller, request: UpdateChannelRequest): Promise<UpdateChannelResponse>;
  close(): void;
}

export interface GatewayClientOptions {
  /** grpc-js target, e.g. `127.0.0.1:50055` or `dns:///gateway:50055`. */
  target: string;
  /** Deadline of each call. */
  timeoutMs: number;
}

const CHANNEL_OPTIONS = {
  // A restarted gateway should be reachable again within seconds, not grpc-js's 2 minutes.
  'grpc.initial_reconnect_backoff_ms': 500,
  'grpc.max_reconnect_backoff_ms': 5000,
};

/**
 * The DomainError for a failed call to `service`: Careline errors keep their code; a service that
 * cannot be reached or does not answer in time is `service_unavailable`; a refusal of the caller
 * metadata is the api's fault (500), never a 401 to the user.
 */
export function upstreamCallError(service: string, error: unknown): DomainError {
  const domain = fromGrpcError(error);
  if (domain.kind === 'unavailable' && domain.code.startsWith('upstream_')) {
    return unavailable('service_unavailable', `The ${service} service is unavailable; try again shortly.`, {
      details: { service },
      cause: error,
    });
  }
  if (domain.kind === 'unauthenticated') {
    return new DomainError({
      code: 'upstream_rejected_caller',
      kind: 'internal',
      message: `The ${service} service refused the caller identity sent by api.`,
      cause: error,
    });
  }
  return domain;
}

type Callback<T> = (error: ServiceError | null, response: T) => void;

export function invokeUpstream<T>(service: string, start: (callback: Callback<T>) => ClientUnaryCall): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    start((error, response) => (error ? reject(upstreamCallError(service, error)) : resolve(response)));
  });
}

export function createGatewayClient(options: GatewayClientOptions): GatewayClient {
  const client = new ChannelServiceClient(options.target, credentials.createInsecure(), CHANNEL_OPTIONS);
  const deadline = () => ({ deadline: new Date(Date.now() + options.timeoutMs) });
  return {
    registerChannel: (caller, request) =>
      invokeUpstream('gateway', (cb) => client.registerChannel(request, metadataForCaller(caller), deadline(), cb)),
    listChannels: (caller) => invokeUpstream('gateway', (cb) => client.listChannels({}, metadataForCaller(caller), deadline(), cb)),
    updateChannel: (caller, request) =>
      invokeUpstream('gateway', (cb) => client.updateChannel(request, metadataForCaller(caller), deadline(), cb)),
    close: () => client.close(),
  };
}
