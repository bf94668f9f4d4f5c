// gRPC edge of ChannelService: parse, call the use-case, let grpcUnary translate DomainErrors.
import { type ChannelServiceHandlers } from '@careline/contracts';
import { type Logger, grpcUnary } from '@careline/runtime';
import { type ChannelRegistry } from '../channels/registry';
import { createResolveChannel } from '../use-cases/resolve-channel';

export function createChannelServiceHandlers(deps: { registry: ChannelRegistry; logger: Logger }): ChannelServiceHandlers {
  const resolveChannel = createResolveChannel(deps.registry);
  return {
    // Needs no tenant metadata: finding the tenant is its purpose.
    resolveChannel: grpcUnary((request) => ({ channel: resolveChannel(request.phoneNumberId) }), { logger: deps.logger }),
  };
}
