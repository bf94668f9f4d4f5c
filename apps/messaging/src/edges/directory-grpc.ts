// TenantDirectoryService over gRPC: the caller from metadata (a platform caller for CreateTenant
// and ListTenants, a tenant caller for the rest), then the use-case. DomainErrors are translated
// once, by grpcUnary.
import { type TenantDirectoryServiceHandlers } from '@careline/contracts';
import { type Logger, grpcUnary } from '@careline/runtime';
import { requirePlatformCaller, requireTenantCaller } from '../directory/caller';
import { type DirectoryUseCases } from '../directory/use-cases';

export function createDirectoryGrpcHandlers(directory: DirectoryUseCases, logger: Logger): TenantDirectoryServiceHandlers {
  const options = { logger };
  return {
    createTenant: grpcUnary(async (request, { caller }) => ({ tenant: await directory.createTenant(requirePlatformCaller(caller), request) }), options),
    listTenants: grpcUnary(async (_request, { caller }) => {
      requirePlatformCaller(caller);
      return { tenants: await directory.listTenants() };
    }, options),
    getTenant: grpcUnary(async (_request, { caller }) => ({ tenant: await directory.getTenant(requireTenantCaller(caller)) }), options),
    updateTenant: grpcUnary(async (request, { caller }) => ({ tenant: await directory.updateTenant(requireTenantCaller(caller), request) }), options),
    createTeam: grpcUnary(async (request, { caller }) => ({ team: await directory.createTeam(requireTenantCaller(caller), request) }), options),
    listTeams: grpcUnary(async (_request, { caller }) => ({ teams: await directory.listTeams(requireTenantCaller(caller)) }), options),
    updateTeam: grpcUnary(async (request, { caller }) => ({ team: await directory.updateTeam(requireTenantCaller(caller), request) }), options),
    upsertStaff: grpcUnary((request, { caller }) => directory.upsertStaff(requireTenantCaller(caller), request), options),
    listStaff: grpcUnary(async (request, { caller }) => ({ staff: await directory.listStaff(requireTenantCaller(caller), request) }), options),
    deactivateStaff: grpcUnary(
      async (request, { caller }) => ({ staff: await directory.deactivateStaff(requireTenantCaller(caller), request) }),
      options,
    ),
  };
}
