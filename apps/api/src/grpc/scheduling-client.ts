// The api's door to scheduling's SchedulingService, for the tenant's reminder policy
// (/v1/admin/reminder-policy): calls made on behalf of an authenticated caller (tenant, actor,
// roles in metadata with the traceparent, never in a request field), each bounded by a deadline,
// failures turned into DomainErrors once (gateway-client's rules, service name `scheduling`).
import { credentials } from '@grpc/grpc-js';
import {
  type GetReminderPolicyResponse,
  SchedulingServiceClient,
  type SetReminderPolicyRequest,
  type SetReminderPolicyResponse,
} from '@careline/contracts';
import { type Caller, metadataForCaller } from '@careline/runtime';
import { invokeUpstream } from './gateway-client';

export interface SchedulingClient {
  getReminderPolicy(caller: Caller): Promise<GetReminderPolicyResponse>;
  setReminderPolicy(caller: Caller, request: SetReminderPolicyRequest): Promise<SetReminderPolicyResponse>;
  close(): void;
}

export interface SchedulingClientOptions {
  /** grpc-js target, e.g. `127.0.0.1:50052` or `dns:///scheduling:50052`. */
  target: string;
  /** Deadline of each call. */
  timeoutMs: number;
}

export function createSchedulingClient(options: SchedulingClientOptions): SchedulingClient {
  const client = new SchedulingServiceClient(options.target, credentials.createInsecure(), {
    // A restarted scheduling should be reachable again within seconds, not grpc-js's 2 minutes.
    'grpc.initial_reconnect_backoff_ms': 500,
    'grpc.max_reconnect_backoff_ms': 5000,
  });
  const deadline = () => ({ deadline: new Date(Date.now() + options.timeoutMs) });
  return {
    getReminderPolicy: (caller) =>
      invokeUpstream('scheduling', (cb) => client.getReminderPolicy({}, metadataForCaller(caller), deadline(), cb)),
    setReminderPolicy: (caller, request) =>
      invokeUpstream('scheduling', (cb) => client.setReminderPolicy(request, metadataForCaller(caller), deadline(), cb)),
    close: () => client.close(),
  };
}
