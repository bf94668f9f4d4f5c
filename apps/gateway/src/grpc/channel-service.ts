// gRPC edge of ChannelService: parse the caller, call the use-case, let grpcUnary translate
// DomainErrors. ResolveChannel needs no tenant for a service (finding it is its purpose); the onboarding calls
// act in the caller's tenant only (metadata), and re-check the role in the use-case.
import { type ChannelServiceHandlers } from '@careline/contracts';
import { isPlatformOperator } from '@careline/auth';
import { type Logger, grpcUnary, notFound, permissionDenied, unauthenticated } from '@careline/runtime';

function channelNotFound() {
  return notFound('channel_not_found', 'No channel is registered for this phone_number_id.');
}
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
    // Finding the tenant is its purpose, so a service or the operator may ask without one; a caller
    // acting in a tenant learns only about that tenant's numbers (another's is NOT_FOUND, as unknown).
    resolveChannel: grpcUnary((request, { caller }) => {
      if (caller === undefined) throw unauthenticated('caller_required', 'The call names no caller (metadata x-careline-actor).');
      const channel = resolveChannel(request.phoneNumberId);
      if (caller.tenantId !== undefined) {
        if (channel.tenantId !== caller.tenantId.toLowerCase()) throw channelNotFound();
      } else if (!caller.actor.startsWith('service:') && !isPlatformOperator(caller.roles)) {
        throw permissionDenied('service_caller_required', 'Without a tenant, only a Careline service or the platform operator may resolve a number.');
      }
      return { channel };
    }, options),
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
