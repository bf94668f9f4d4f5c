// The demo hospital's onboarding through the operator's clients (in-memory here; the e2e suites run
// it against the real services): the seed's pinned tenant id, its number, a team, the staff member
// in that team; a second run (a restarted dev stack) finds everything there and changes nothing.
import { type AdminClients } from '@careline/admin-cli';
import { ChannelStatus, type Team, TenantStatus } from '@careline/contracts';
import { conflict } from '@careline/runtime';
import { describe, expect, it } from 'vitest';
import { DEMO_TEAM, generateSeed, seedDirectory } from './seed';

function fakeClients() {
  const tenants = new Set<string>();
  const channels = new Set<string>();
  const teams: Team[] = [];
  const staff: { tenantId: string; subject: string; teamIds: readonly string[] | undefined }[] = [];
  let closed = 0;
  const clients: AdminClients = {
    createTenant: (t) => {
      if (tenants.has(t.tenantId ?? '')) return Promise.reject(conflict('tenant_exists', 'exists'));
      tenants.add(t.tenantId ?? '');
      return Promise.resolve({ id: t.tenantId ?? '', name: t.name, timeZone: t.timeZone, defaultLanguage: 'en_US', status: TenantStatus.TENANT_STATUS_ACTIVE });
    },
    listTenants: () => Promise.resolve([]),
    registerChannel: (tenantId, c) => {
      if (channels.has(c.phoneNumberId)) return Promise.reject(conflict('channel_already_registered', 'exists'));
      channels.add(c.phoneNumberId);
      return Promise.resolve({ ...c, tenantId, status: ChannelStatus.CHANNEL_STATUS_ACTIVE });
    },
    listChannels: () => Promise.resolve([]),
    createTeam: (_tenantId, name) => {
      if (teams.some((t) => t.name === name)) return Promise.reject(conflict('team_name_taken', 'taken'));
      const team = { id: `team-${teams.length + 1}`, name };
      teams.push(team);
      return Promise.resolve(team);
    },
    listTeams: () => Promise.resolve(teams),
    upsertStaff: (tenantId, s) => {
      staff.push({ tenantId, subject: s.subject, teamIds: s.teamIds });
      return Promise.resolve({
        staff: { id: 's', subject: s.subject, displayName: s.displayName, email: '', roles: [...s.roles], teamIds: [...(s.teamIds ?? [])], active: true },
        created: staff.length === 1,
      });
    },
    listStaff: () => Promise.resolve([]),
    close: () => {
      closed += 1;
    },
  };
  return { clients, tenants, channels, teams, staff, closed: () => closed };
}

describe('seedDirectory', () => {
  it('onboards the demo hospital, and a second run changes nothing', async () => {
    const seed = generateSeed();
    const fake = fakeClients();
    const targets = { messagingGrpc: 'm:1', gatewayGrpc: 'g:2' };
    const connections: unknown[] = [];
    const connect = (options: unknown) => {
      connections.push(options);
      return fake.clients;
    };
    await seedDirectory(seed, targets, connect);
    await seedDirectory(seed, targets, connect);
    expect(connections[0]).toEqual({ messaging: 'm:1', gateway: 'g:2', actor: 'operator:stack-seed' });
    expect([...fake.tenants]).toEqual([seed.tenant.id]);
    expect([...fake.channels]).toEqual([seed.whatsapp.phoneNumberId]);
    expect(fake.teams.map((t) => t.name)).toEqual([DEMO_TEAM]);
    expect(fake.staff).toEqual([
      { tenantId: seed.tenant.id, subject: seed.staff.subject, teamIds: ['team-1'] },
      { tenantId: seed.tenant.id, subject: seed.staff.subject, teamIds: ['team-1'] },
    ]);
    expect(fake.closed()).toBe(2);
  });

  it('stops on any other refusal', async () => {
    const fake = fakeClients();
    fake.clients.registerChannel = () => Promise.reject(conflict('waba_owned_by_another_tenant', 'no'));
    await expect(seedDirectory(generateSeed(), { messagingGrpc: 'm', gatewayGrpc: 'g' }, () => fake.clients)).rejects.toMatchObject({
      code: 'waba_owned_by_another_tenant',
    });
    expect(fake.closed()).toBe(1);
  });
});
