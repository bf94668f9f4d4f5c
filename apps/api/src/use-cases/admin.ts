// Hospital administration: what an `/v1/admin/...` call means in calls to the gateway
// (ChannelService) and messaging (TenantDirectoryService). The caller (tenant, actor, roles) always
// comes from the principal; nothing of a request names a tenant. As for conversations, what comes
// back is checked to be of the caller's tenant (a mismatch is a 500, never shown).
import type { Principal } from '@careline/auth';
import { ChannelStatus, type ChannelSummary, TenantStatus } from '@careline/contracts';
import { internalError } from '@careline/runtime';
import { callerOf } from '../auth/principal';
import type { DirectoryClient } from '../grpc/directory-client';
import type { GatewayClient } from '../grpc/gateway-client';
import {
  type ChannelView,
  type StaffView,
  type TeamView,
  type TenantView,
  toChannelView,
  toStaffView,
  toTeamView,
  toTenantView,
} from '../schemas/admin';

export interface AdminDeps {
  gateway: GatewayClient;
  directory: DirectoryClient;
}

function upstreamInvalid(what: string) {
  return internalError('upstream_invalid_response', `The service answered without the ${what}.`);
}

function ownChannel(principal: Principal, channel: ChannelSummary | undefined): ChannelView {
  if (channel === undefined) throw upstreamInvalid('channel');
  if (channel.tenantId !== '' && channel.tenantId.toLowerCase() !== principal.tenantId) {
    throw internalError('tenant_mismatch', 'The gateway returned a channel of another tenant.', { details: { phoneNumberId: channel.phoneNumberId } });
  }
  return toChannelView(channel);
}

export interface ChannelRegistration {
  phoneNumberId: string;
  displayPhoneNumber: string;
  wabaId: string;
  accessToken: string;
  appSecret: string;
}

export interface ChannelChange {
  accessToken?: string | undefined;
  appSecret?: string | undefined;
  displayPhoneNumber?: string | undefined;
  status?: 'active' | 'disabled' | undefined;
}

export interface StaffChange {
  displayName?: string | undefined;
  email?: string | null | undefined;
  roles?: readonly string[] | undefined;
  teamIds?: readonly string[] | undefined;
  active?: boolean | undefined;
}

export function createAdminUseCases({ gateway, directory }: AdminDeps) {
  return {
    async getTenant(principal: Principal): Promise<TenantView> {
      const { tenant } = await directory.getTenant(callerOf(principal));
      if (tenant === undefined) throw upstreamInvalid('tenant');
      return toTenantView(tenant);
    },

    async updateTenant(principal: Principal, patch: { name?: string | undefined; timeZone?: string | undefined; defaultLanguage?: string | undefined }): Promise<TenantView> {
      const { tenant } = await directory.updateTenant(callerOf(principal), {
        name: patch.name,
        timeZone: patch.timeZone,
        defaultLanguage: patch.defaultLanguage,
        status: TenantStatus.TENANT_STATUS_UNSPECIFIED,
      });
      if (tenant === undefined) throw upstreamInvalid('tenant');
      return toTenantView(tenant);
    },

    async listChannels(principal: Principal): Promise<{ items: ChannelView[] }> {
      const { channels } = await gateway.listChannels(callerOf(principal));
      return { items: channels.map((channel) => ownChannel(principal, channel)) };
    },

    async registerChannel(principal: Principal, registration: ChannelRegistration): Promise<ChannelView> {
      const { channel } = await gateway.registerChannel(callerOf(principal), registration);
      return ownChannel(principal, channel);
    },

    async updateChannel(principal: Principal, phoneNumberId: string, change: ChannelChange): Promise<ChannelView> {
      const { channel } = await gateway.updateChannel(callerOf(principal), {
        phoneNumberId,
        accessToken: change.accessToken,
        appSecret: change.appSecret,
        displayPhoneNumber: change.displayPhoneNumber,
        status:
          change.status === undefined
            ? ChannelStatus.CHANNEL_STATUS_UNSPECIFIED
            : change.status === 'active'
              ? ChannelStatus.CHANNEL_STATUS_ACTIVE
              : ChannelStatus.CHANNEL_STATUS_DISABLED,
      });
      return ownChannel(principal, channel);
    },

    async listTeams(principal: Principal): Promise<{ items: TeamView[] }> {
      const { teams } = await directory.listTeams(callerOf(principal));
      return { items: teams.map(toTeamView) };
    },

    async createTeam(principal: Principal, name: string): Promise<TeamView> {
      const { team } = await directory.createTeam(callerOf(principal), { name });
      if (team === undefined) throw upstreamInvalid('team');
      return toTeamView(team);
    },

    async updateTeam(principal: Principal, teamId: string, name: string): Promise<TeamView> {
      const { team } = await directory.updateTeam(callerOf(principal), { teamId, name });
      if (team === undefined) throw upstreamInvalid('team');
      return toTeamView(team);
    },

    async listStaff(principal: Principal, includeInactive: boolean): Promise<{ items: StaffView[] }> {
      const { staff } = await directory.listStaff(callerOf(principal), { includeInactive });
      return { items: staff.map(toStaffView) };
    },

    async addStaff(
      principal: Principal,
      member: { subject: string; displayName: string; email?: string | undefined; roles: readonly string[]; teamIds?: readonly string[] | undefined },
    ): Promise<StaffView> {
      const { staff } = await directory.upsertStaff(callerOf(principal), {
        staffId: '',
        subject: member.subject,
        displayName: member.displayName,
        email: member.email,
        roles: [...member.roles],
        setRoles: true,
        teamIds: [...(member.teamIds ?? [])],
        setTeamIds: member.teamIds !== undefined,
      });
      if (staff === undefined) throw upstreamInvalid('staff member');
      return toStaffView(staff);
    },

    /** Deactivation goes through DeactivateStaff (its own audit event); anything else through UpsertStaff. */
    async updateStaff(principal: Principal, staffId: string, change: StaffChange): Promise<StaffView> {
      const caller = callerOf(principal);
      const { active, ...fields } = change;
      let view: StaffView | undefined;
      if (Object.values(fields).some((value) => value !== undefined) || active === true) {
        const { staff } = await directory.upsertStaff(caller, {
          staffId,
          subject: '',
          displayName: change.displayName,
          // null clears the address ("" in the contract)
          email: change.email === null ? '' : change.email,
          roles: [...(change.roles ?? [])],
          setRoles: change.roles !== undefined,
          teamIds: [...(change.teamIds ?? [])],
          setTeamIds: change.teamIds !== undefined,
          active: active === true ? true : undefined,
        });
        if (staff === undefined) throw upstreamInvalid('staff member');
        view = toStaffView(staff);
      }
      if (active === false) {
        const { staff } = await directory.deactivateStaff(caller, { staffId });
        if (staff === undefined) throw upstreamInvalid('staff member');
        view = toStaffView(staff);
      }
      if (view === undefined) throw upstreamInvalid('staff member');
      return view;
    },
  };
}

export type AdminUseCases = ReturnType<typeof createAdminUseCases>;
