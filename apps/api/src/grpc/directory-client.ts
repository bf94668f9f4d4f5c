// The api's door to messaging's TenantDirectoryService (the hospital, its teams, its staff): same
// rules as the other clients: the caller in metadata only, a deadline per call, failures turned
// into DomainErrors once (upstreamCallError).
import { credentials } from '@grpc/grpc-js';
import {
  type CreateTeamRequest,
  type CreateTeamResponse,
  type DeactivateStaffRequest,
  type DeactivateStaffResponse,
  type GetTenantResponse,
  type ListStaffRequest,
  type ListStaffResponse,
  type ListTeamsResponse,
  TenantDirectoryServiceClient,
  type UpdateTeamRequest,
  type UpdateTeamResponse,
  type UpdateTenantRequest,
  type UpdateTenantResponse,
  type UpsertStaffRequest,
  type UpsertStaffResponse,
} from '@careline/contracts';
import { type Caller, metadataForCaller } from '@careline/runtime';
import { invokeUpstream } from './gateway-client';

export interface DirectoryClient {
  getTenant(caller: Caller): Promise<GetTenantResponse>;
  updateTenant(caller: Caller, request: UpdateTenantRequest): Promise<UpdateTenantResponse>;
  createTeam(caller: Caller, request: CreateTeamRequest): Promise<CreateTeamResponse>;
  listTeams(caller: Caller): Promise<ListTeamsResponse>;
  updateTeam(caller: Caller, request: UpdateTeamRequest): Promise<UpdateTeamResponse>;
  upsertStaff(caller: Caller, request: UpsertStaffRequest): Promise<UpsertStaffResponse>;
  listStaff(caller: Caller, request: ListStaffRequest): Promise<ListStaffResponse>;
  deactivateStaff(caller: Caller, request: DeactivateStaffRequest): Promise<DeactivateStaffResponse>;
  close(): void;
}

export interface DirectoryClientOptions {
  /** messaging's gRPC target (the directory is served by messaging). */
  target: string;
  timeoutMs: number;
}

export function createDirectoryClient(options: DirectoryClientOptions): DirectoryClient {
  const client = new TenantDirectoryServiceClient(options.target, credentials.createInsecure(), {
    'grpc.initial_reconnect_backoff_ms': 500,
    'grpc.max_reconnect_backoff_ms': 5000,
  });
  const deadline = () => ({ deadline: new Date(Date.now() + options.timeoutMs) });
  const md = metadataForCaller;
  const svc = 'messaging';
  return {
    getTenant: (caller) => invokeUpstream(svc, (cb) => client.getTenant({}, md(caller), deadline(), cb)),
    updateTenant: (caller, request) => invokeUpstream(svc, (cb) => client.updateTenant(request, md(caller), deadline(), cb)),
    createTeam: (caller, request) => invokeUpstream(svc, (cb) => client.createTeam(request, md(caller), deadline(), cb)),
    listTeams: (caller) => invokeUpstream(svc, (cb) => client.listTeams({}, md(caller), deadline(), cb)),
    updateTeam: (caller, request) => invokeUpstream(svc, (cb) => client.updateTeam(request, md(caller), deadline(), cb)),
    upsertStaff: (caller, request) => invokeUpstream(svc, (cb) => client.upsertStaff(request, md(caller), deadline(), cb)),
    listStaff: (caller, request) => invokeUpstream(svc, (cb) => client.listStaff(request, md(caller), deadline(), cb)),
    deactivateStaff: (caller, request) => invokeUpstream(svc, (cb) => client.deactivateStaff(request, md(caller), deadline(), cb)),
    close: () => client.close(),
  };
}
