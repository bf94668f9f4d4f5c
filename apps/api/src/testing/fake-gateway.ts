// An in-memory ChannelService for the api's tests, following proto/careline/gateway/v1/channels.proto:
// the tenant from the caller (never a request field), another tenant's number NOT_FOUND, a number
// registered anywhere ALREADY_EXISTS, credentials kept (so tests can check they arrived) but never
// returned. The real gateway is exercised by its own integration tests and the end-to-end suite.
import {
  type ChannelSummary,
  ChannelStatus,
  type RegisterChannelRequest,
  type UpdateChannelRequest,
} from '@careline/contracts';
import { type Caller, conflict, notFound, unauthenticated, unavailable } from '@careline/runtime';
import type { GatewayClient } from '../grpc/gateway-client';

export interface RecordedGatewayCall {
  method: 'registerChannel' | 'listChannels' | 'updateChannel';
  caller: Caller;
  request: unknown;
}

interface StoredChannel extends ChannelSummary {
  accessToken: string;
  appSecret: string;
}

export interface FakeGateway {
  client: GatewayClient;
  calls: RecordedGatewayCall[];
  /** What the fake stored for a number, credentials included (tests only). */
  stored(phoneNumberId: string): StoredChannel | undefined;
  add(channel: Partial<ChannelSummary> & { phoneNumberId: string; tenantId: string }): void;
  setServing(serving: boolean): void;
}

function tenantOf(caller: Caller): string {
  if (caller.tenantId === undefined) throw unauthenticated('tenant_required', 'x-careline-tenant is required.');
  return caller.tenantId;
}

function summary(channel: StoredChannel): ChannelSummary {
  const { accessToken: _token, appSecret: _secret, ...rest } = channel;
  return rest;
}

export function createFakeGateway(): FakeGateway {
  const channels = new Map<string, StoredChannel>();
  const calls: RecordedGatewayCall[] = [];
  let serving = true;

  const run = <T>(method: RecordedGatewayCall['method'], caller: Caller, request: unknown, fn: () => T): Promise<T> => {
    calls.push({ method, caller, request });
    if (!serving) return Promise.reject(unavailable('service_unavailable', 'The gateway service is unavailable.'));
    try {
      return Promise.resolve(fn());
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new Error('fake gateway failed'));
    }
  };

  const own = (caller: Caller, phoneNumberId: string): StoredChannel => {
    const channel = channels.get(phoneNumberId);
    if (channel?.tenantId !== tenantOf(caller)) throw notFound('channel_not_found', 'No such channel.', { details: { phoneNumberId } });
    return channel;
  };

  return {
    calls,
    stored: (phoneNumberId) => channels.get(phoneNumberId),
    add(channel) {
      const now = new Date();
      channels.set(channel.phoneNumberId, {
        displayPhoneNumber: '15550001111',
        wabaId: '102290129340398',
        status: ChannelStatus.CHANNEL_STATUS_ACTIVE,
        createdAt: now,
        updatedAt: now,
        credentialsUpdatedAt: now,
        accessToken: 'fake-token',
        appSecret: 'fake-secret',
        ...channel,
      });
    },
    setServing(value) {
      serving = value;
    },
    client: {
      registerChannel: (caller, request: RegisterChannelRequest) =>
        run('registerChannel', caller, request, () => {
          const tenantId = tenantOf(caller);
          if (channels.has(request.phoneNumberId)) throw conflict('channel_already_registered', 'Already registered.');
          const now = new Date();
          const stored: StoredChannel = {
            ...request,
            tenantId,
            status: ChannelStatus.CHANNEL_STATUS_ACTIVE,
            createdAt: now,
            updatedAt: now,
            credentialsUpdatedAt: now,
          };
          channels.set(request.phoneNumberId, stored);
          return { channel: summary(stored) };
        }),
      listChannels: (caller) =>
        run('listChannels', caller, {}, () => {
          const tenantId = tenantOf(caller);
          return { channels: [...channels.values()].filter((c) => c.tenantId === tenantId).map(summary) };
        }),
      updateChannel: (caller, request: UpdateChannelRequest) =>
        run('updateChannel', caller, request, () => {
          const channel = own(caller, request.phoneNumberId);
          const now = new Date();
          if (request.accessToken !== undefined) channel.accessToken = request.accessToken;
          if (request.appSecret !== undefined) channel.appSecret = request.appSecret;
          if (request.accessToken !== undefined || request.appSecret !== undefined) channel.credentialsUpdatedAt = now;
          if (request.displayPhoneNumber !== undefined) channel.displayPhoneNumber = request.displayPhoneNumber;
          if (request.status !== ChannelStatus.CHANNEL_STATUS_UNSPECIFIED) channel.status = request.status;
          channel.updatedAt = now;
          return { channel: summary(channel) };
        }),
      close: () => undefined,
    },
  };
}
