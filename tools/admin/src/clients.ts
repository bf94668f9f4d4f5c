// The platform operator's gRPC clients: TenantDirectoryService (messaging) and ChannelService
// (gateway), called directly over the cluster network as `operator:<name>` with the role
// `platform_operator` (which no staff token can carry: api never sends it). Tenant-scoped calls
// name the tenant in metadata, like every caller; CreateTenant and ListTenants name none.
import { type ClientUnaryCall, type ServiceError, credentials } from '@grpc/grpc-js';
import {
  ChannelServiceClient,
  type ChannelSummary,
  type CreateTeamResponse,
  type CreateTenantResponse,
  type ListChannelsResponse,
  type ListStaffResponse,
  type ListTeamsResponse,
  type ListTenantsResponse,
  type RegisterChannelResponse,
  type UpsertStaffResponse,
  ChannelStatus,
  type StaffMember,
  type Team,
  type Tenant,
  TenantDirectoryServiceClient,
  TenantStatus,
} from '@careline/contracts';
import { PLATFORM_OPERATOR_ROLE } from '@careline/auth';
import { fromGrpcError, metadataForCaller } from '@careline/runtime';

export { PLATFORM_OPERATOR_ROLE };

export interface AdminClientOptions {
  /** messaging's gRPC target (the directory). */
  messaging: string;
  /** the gateway's gRPC target (the channel registry). */
  gateway: string;
  /** Who acts, e.g. `operator:alice`. */
  actor: string;
  /** Deadline per call. Default 10 s. */
  timeoutMs?: number;
}

export interface NewChannel {
  phoneNumberId: string;
  displayPhoneNumber: string;
  wabaId: string;
  accessToken: string;
  appSecret: string;
}

export interface NewStaff {
  subject: string;
  displayName: string;
  email?: string;
  roles: readonly string[];
  teamIds?: readonly string[];
}

export interface AdminClients {
  createTenant(tenant: { name: string; timeZone: string; defaultLanguage?: string; tenantId?: string }): Promise<Tenant>;
  listTenants(): Promise<Tenant[]>;
  registerChannel(tenantId: string, channel: NewChannel): Promise<ChannelSummary>;
  listChannels(tenantId: string): Promise<ChannelSummary[]>;
  createTeam(tenantId: string, name: string): Promise<Team>;
  listTeams(tenantId: string): Promise<Team[]>;
  upsertStaff(tenantId: string, staff: NewStaff): Promise<{ staff: StaffMember; created: boolean }>;
  listStaff(tenantId: string): Promise<StaffMember[]>;
  close(): void;
}

type Callback<T> = (error: ServiceError | null, response: T) => void;

/** Resolves with the response or rejects with the DomainError (stable `code`) the service sent. */
function invoke<T>(start: (callback: Callback<T>) => ClientUnaryCall): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    start((error, response) => (error ? reject(fromGrpcError(error)) : resolve(response)));
  });
}

function required<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`the service answered without the ${what}`);
  return value;
}

export function createAdminClients(options: AdminClientOptions): AdminClients {
  const directory = new TenantDirectoryServiceClient(options.messaging, credentials.createInsecure());
  const channels = new ChannelServiceClient(options.gateway, credentials.createInsecure());
  const deadline = () => ({ deadline: new Date(Date.now() + (options.timeoutMs ?? 10_000)) });
  const platform = () => metadataForCaller({ actor: options.actor, roles: [PLATFORM_OPERATOR_ROLE] });
  const inTenant = (tenantId: string) => metadataForCaller({ tenantId, actor: options.actor, roles: [PLATFORM_OPERATOR_ROLE] });

  return {
    async createTenant(tenant) {
      const response = await invoke<CreateTenantResponse>((cb) =>
        directory.createTenant(
          { name: tenant.name, timeZone: tenant.timeZone, defaultLanguage: tenant.defaultLanguage ?? '', tenantId: tenant.tenantId ?? '' },
          platform(),
          deadline(),
          cb,
        ),
      );
      return required(response.tenant, 'tenant');
    },
    async listTenants() {
      return (await invoke<ListTenantsResponse>((cb) => directory.listTenants({}, platform(), deadline(), cb))).tenants;
    },
    async registerChannel(tenantId, channel) {
      const response = await invoke<RegisterChannelResponse>((cb) => channels.registerChannel(channel, inTenant(tenantId), deadline(), cb));
      return required(response.channel, 'channel');
    },
    async listChannels(tenantId) {
      return (await invoke<ListChannelsResponse>((cb) => channels.listChannels({}, inTenant(tenantId), deadline(), cb))).channels;
    },
    async createTeam(tenantId, name) {
      return required((await invoke<CreateTeamResponse>((cb) => directory.createTeam({ name }, inTenant(tenantId), deadline(), cb))).team, 'team');
    },
    async listTeams(tenantId) {
      return (await invoke<ListTeamsResponse>((cb) => directory.listTeams({}, inTenant(tenantId), deadline(), cb))).teams;
    },
    async upsertStaff(tenantId, staff) {
      const response = await invoke<UpsertStaffResponse>((cb) =>
        directory.upsertStaff(
          {
            staffId: '',
            subject: staff.subject,
            displayName: staff.displayName,
            email: staff.email,
            roles: [...staff.roles],
            setRoles: true,
            teamIds: [...(staff.teamIds ?? [])],
            setTeamIds: staff.teamIds !== undefined,
          },
          inTenant(tenantId),
          deadline(),
          cb,
        ),
      );
      return { staff: required(response.staff, 'staff member'), created: response.created };
    },
    async listStaff(tenantId) {
      return (await invoke<ListStaffResponse>((cb) => directory.listStaff({ includeInactive: true }, inTenant(tenantId), deadline(), cb))).staff;
    },
    close() {
      directory.close();
      channels.close();
    },
  };
}

/** Plain JSON views for printing (enums as short words, times as ISO strings). */
export const views = {
  tenant: (t: Tenant) => ({
    id: t.id,
    name: t.name,
    timeZone: t.timeZone,
    defaultLanguage: t.defaultLanguage,
    status: t.status === TenantStatus.TENANT_STATUS_SUSPENDED ? 'suspended' : 'active',
    createdAt: t.createdAt?.toISOString() ?? null,
  }),
  channel: (c: ChannelSummary) => ({
    phoneNumberId: c.phoneNumberId,
    tenantId: c.tenantId,
    displayPhoneNumber: c.displayPhoneNumber,
    wabaId: c.wabaId,
    status: c.status === ChannelStatus.CHANNEL_STATUS_DISABLED ? 'disabled' : 'active',
    credentialsUpdatedAt: c.credentialsUpdatedAt?.toISOString() ?? null,
  }),
  team: (t: Team) => ({ id: t.id, name: t.name }),
  staff: (s: StaffMember) => ({
    id: s.id,
    subject: s.subject,
    displayName: s.displayName,
    email: s.email === '' ? null : s.email,
    roles: s.roles,
    teamIds: s.teamIds,
    active: s.active,
  }),
};
