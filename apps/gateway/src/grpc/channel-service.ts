// gRPC edge of ChannelService: parse the caller, call the use-case, let grpcUnary translate
// DomainErrors. ResolveChannel needs no tenant (finding it is its purpose); the onboarding calls
// act in the caller's tenant only (metadata), and re-check the role in the use-case.
import { type ChannelServiceHandlers } from '@careline/contracts';
import { type Logger, grpcUnary } from '@careline/runtime';
import { type ChannelAdminUseCases } from '../channels/admin';
import { requireTenantCaller } from '../channels/caller';
import { type ChannelRegistry } from '../channels/registry';
import { createResolveChannel } from '../use-cases/resolve-channel';

export function createChannelServiceHandlers(deps: {
  registry: ChannelRegistry;
  admin: ChannelAdminUseCases;
  logger: Logger;
}): ChannelServiceHandlers {
  const resolveChannel = createResolveChannel(deps.registry);
  const options = { logger: deps.logger };
  const { admin } = deps;
  return {
    // Needs no tenant metadata: finding the tenant is its purpose.
    resolveChannel: grpcUnary((request) => ({ channel: resolveChannel(request.phoneNumberId) }), options),
    registerChannel: grpcUnary(
      async (request, { caller }) => ({ channel: await admin.registerChannel(requireTenantCaller(caller), request) }),
      options,
    ),
    listChannels: grpcUnary((_request, { caller }) => admin.listChannels(requireTenantCaller(caller)), options),
    updateChannel: grpcUnary(
      async (request, { caller }) => ({ channel: await admin.updateChannel(requireTenantCaller(caller), request) }),
      options,
    ),
  };
}
