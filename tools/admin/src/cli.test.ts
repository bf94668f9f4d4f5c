// The command line against in-memory clients: arguments to calls, secrets only from files or the
// environment (never argv), JSON out, service refusals as exit 1 with the stable code.
import { ChannelStatus, type ReminderPolicy, type Tenant, TenantStatus } from '@careline/contracts';
import { conflict, invalidArgument } from '@careline/runtime';
import { describe, expect, it } from 'vitest';
import { type AdminClientOptions, type AdminClients } from './clients';
import { type CliIo, runCli } from './cli';
import { type PolicyClientOptions, type PolicyClients } from './policies';

const TENANT = '6f1d2c3b-4a59-4e8f-9b0a-1c2d3e4f5a6b';

const REMINDER_POLICY: ReminderPolicy = {
  stages: [
    { name: '2h', minutesBefore: 120, templates: { es: 'recordatorio_cita' } },
    { name: '24h', minutesBefore: 1440, templates: { es: 'recordatorio_cita', en_US: 'appointment_reminder' } },
  ],
  quietStart: '21:00',
  quietEnd: '08:00',
  minLeadMinutes: 60,
  noShowAfterMinutes: 60,
  videoLinkTemplate: '',
  defaultLanguage: 'es',
};

function fakeIo(files: Record<string, string> = {}, env: Record<string, string> = {}) {
  const calls: { method: string; args: unknown[] }[] = [];
  const connections: AdminClientOptions[] = [];
  const policyConnections: PolicyClientOptions[] = [];
  let closed = 0;
  const record =
    <T>(method: string, result: T) =>
    (...args: unknown[]) => {
      calls.push({ method, args });
      return Promise.resolve(result);
    };
  const tenant: Tenant = {
    id: TENANT,
    name: 'Hospital Norte',
    timeZone: 'Europe/Madrid',
    defaultLanguage: 'es',
    status: TenantStatus.TENANT_STATUS_ACTIVE,
    createdAt: new Date('2026-01-01T00:00:00Z'),
    updatedAt: new Date('2026-01-01T00:00:00Z'),
  };
  const clients: AdminClients = {
    createTenant: record('createTenant', tenant),
    listTenants: record('listTenants', [tenant]),
    registerChannel: (tenantId, channel) => {
      calls.push({ method: 'registerChannel', args: [tenantId, channel] });
      if (channel.phoneNumberId === '999') return Promise.reject(conflict('channel_already_registered', 'Already registered.'));
      return Promise.resolve({ ...channel, tenantId, status: ChannelStatus.CHANNEL_STATUS_ACTIVE, accessToken: undefined, appSecret: undefined });
    },
    listChannels: record('listChannels', []),
    createTeam: record('createTeam', { id: 't-1', name: 'Cardiology' }),
    listTeams: record('listTeams', []),
    upsertStaff: record('upsertStaff', {
      staff: { id: 's-1', subject: 'auth0|1', displayName: 'auth0|1', email: '', roles: ['admin'], teamIds: [], active: true },
      created: true,
    }),
    listStaff: record('listStaff', []),
    close: () => {
      closed += 1;
    },
  };
  const policies: PolicyClients = {
    getReminderPolicy: record('getReminderPolicy', REMINDER_POLICY),
    setReminderPolicy: (tenantId, policy) => {
      calls.push({ method: 'setReminderPolicy', args: [tenantId, policy] });
      if (policy.stages.length === 0) return Promise.reject(invalidArgument('invalid_request', 'The field policy.stages is invalid.'));
      // as scheduling: stages kept earliest first
      return Promise.resolve({ ...policy, stages: [...policy.stages].sort((a, b) => b.minutesBefore - a.minutesBefore) });
    },
    getReleasePolicy: record('getReleasePolicy', { allowDocumentInChat: false }),
    setReleasePolicy: (tenantId, policy) => {
      calls.push({ method: 'setReleasePolicy', args: [tenantId, policy] });
      return Promise.resolve(policy);
    },
    close: () => {
      closed += 1;
    },
  };
  const io: CliIo = {
    env: { USER: 'alice', ...env },
    readFile: (path) => {
      const content = files[path];
      if (content === undefined) throw Object.assign(new Error('nope'), { code: 'ENOENT' });
      return content;
    },
    connect: (options) => {
      connections.push(options);
      return clients;
    },
    connectPolicies: (options) => {
      policyConnections.push(options);
      return policies;
    },
  };
  return { io, calls, connections, policyConnections, closed: () => closed };
}

describe('admin cli', () => {
  it('creates a tenant as operator:<user> and prints it as JSON', async () => {
    const { io, calls, connections, closed } = fakeIo();
    const result = await runCli(['tenant', 'create', '--name', 'Hospital Norte', '--time-zone', 'Europe/Madrid', '--language', 'es'], io);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.output)).toMatchObject({ id: TENANT, name: 'Hospital Norte', status: 'active' });
    expect(calls).toEqual([{ method: 'createTenant', args: [{ name: 'Hospital Norte', timeZone: 'Europe/Madrid', defaultLanguage: 'es' }] }]);
    expect(connections[0]).toEqual({ messaging: '127.0.0.1:50051', gateway: '127.0.0.1:50055', actor: 'operator:alice' });
    expect(closed()).toBe(1);
  });

  it('reads channel secrets from files or the environment, never from argv', async () => {
    const files = { '/run/token': 'EAAG-secret-token\n', '/run/secret': 'app-secret-value' };
    const { io, calls } = fakeIo(files);
    const base = ['channel', 'register', '--tenant', TENANT, '--phone-number-id', '123', '--waba-id', '456', '--display', '15550001111'];
    const ok = await runCli([...base, '--access-token-file', '/run/token', '--app-secret-file', '/run/secret', '--as', 'bob'], io);
    expect(ok.code).toBe(0);
    expect(calls[0]?.args).toEqual([
      TENANT,
      { phoneNumberId: '123', wabaId: '456', displayPhoneNumber: '15550001111', accessToken: 'EAAG-secret-token', appSecret: 'app-secret-value' },
    ]);
    expect(ok.output).not.toContain('EAAG-secret-token');
    expect(ok.output).not.toContain('app-secret-value');

    const fromEnv = fakeIo({}, { CARELINE_ACCESS_TOKEN: 'env-token-value', CARELINE_APP_SECRET: 'env-secret-value' });
    expect((await runCli(base, fromEnv.io)).code).toBe(0);
    expect(fromEnv.calls[0]?.args[1]).toMatchObject({ accessToken: 'env-token-value', appSecret: 'env-secret-value' });

    for (const flag of ['--access-token', '--app-secret=abc', '--token']) {
      const refused = await runCli([...base, flag, 'plain-secret-on-argv'], fakeIo().io);
      expect(refused.code).toBe(2);
      expect(refused.output).toContain('never taken from the command line');
      expect(refused.output).not.toContain('plain-secret-on-argv');
    }
    const missing = await runCli(base, fakeIo().io);
    expect(missing.code).toBe(2);
    expect(missing.output).toContain('CARELINE_ACCESS_TOKEN');
  });

  it('adds staff with roles and teams, and reports a service refusal with its code', async () => {
    const { io, calls } = fakeIo({}, { MESSAGING_GRPC_URL: 'messaging:1', GATEWAY_GRPC_URL: 'gateway:2' });
    const added = await runCli(['staff', 'add', '--tenant', TENANT, '--subject', 'auth0|1', '--roles', 'admin, nurse', '--teams', 't-1'], io);
    expect(added.code).toBe(0);
    expect(calls[0]).toEqual({ method: 'upsertStaff', args: [TENANT, { subject: 'auth0|1', displayName: 'auth0|1', roles: ['admin', 'nurse'], teamIds: ['t-1'] }] });
    expect(JSON.parse(added.output)).toMatchObject({ id: 's-1', created: true, email: null });

    const secrets = { '/t': 'token-123456', '/s': 'secret-123456' };
    const refused = await runCli(
      ['channel', 'register', '--tenant', TENANT, '--phone-number-id', '999', '--waba-id', '1', '--display', '1555', '--access-token-file', '/t', '--app-secret-file', '/s'],
      fakeIo(secrets).io,
    );
    expect(refused.code).toBe(1);
    expect(JSON.parse(refused.output)).toMatchObject({ error: { code: 'channel_already_registered' } });
  });

  it('gets and sets the reminder policy from a JSON file, over scheduling as the operator', async () => {
    const { io, calls, policyConnections, closed } = fakeIo({ '/p.json': JSON.stringify(REMINDER_POLICY) }, { SCHEDULING_GRPC_URL: 'scheduling:9' });
    const got = await runCli(['policy', 'reminders', 'get', '--tenant', TENANT], io);
    expect(got.code, got.output).toBe(0);
    expect(JSON.parse(got.output)).toEqual(REMINDER_POLICY);
    expect(policyConnections[0]).toEqual({ scheduling: 'scheduling:9', records: '127.0.0.1:50053', actor: 'operator:alice' });
    expect(closed()).toBe(1);

    const set = await runCli(['policy', 'reminders', 'set', '--tenant', TENANT, '--file', '/p.json'], io);
    expect(set.code, set.output).toBe(0);
    expect(calls.at(-1)).toEqual({ method: 'setReminderPolicy', args: [TENANT, REMINDER_POLICY] });
    expect(JSON.parse(set.output)).toMatchObject({ stages: [{ name: '24h' }, { name: '2h' }] });
  });

  it('refuses a policy file that is missing, not JSON or of the wrong shape before calling, and passes refusals on', async () => {
    const files = {
      '/bad.json': '{ not json',
      '/shape.json': JSON.stringify({ ...REMINDER_POLICY, minLeadMinutes: '60' }),
      '/extra.json': JSON.stringify({ ...REMINDER_POLICY, tenantId: TENANT }),
      '/empty.json': JSON.stringify({ ...REMINDER_POLICY, stages: [] }),
    };
    const { io, calls } = fakeIo(files);
    for (const [file, message] of [['/nope.json', 'cannot read'], ['/bad.json', 'not JSON'], ['/shape.json', 'minLeadMinutes'], ['/extra.json', 'tenantId']] as const) {
      const result = await runCli(['policy', 'reminders', 'set', '--tenant', TENANT, '--file', file], io);
      expect(result.code, file).toBe(2);
      expect(result.output, file).toContain(message);
    }
    expect(calls).toEqual([]);
    const refused = await runCli(['policy', 'reminders', 'set', '--tenant', TENANT, '--file', '/empty.json'], io);
    expect(refused.code).toBe(1);
    expect(JSON.parse(refused.output)).toMatchObject({ error: { code: 'invalid_request' } });
  });

  it('gets and sets the release policy over records; the flag must be true or false', async () => {
    const { io, calls, policyConnections } = fakeIo();
    const got = await runCli(['policy', 'release', 'get', '--tenant', TENANT, '--records', 'records:7'], io);
    expect(got.code, got.output).toBe(0);
    expect(JSON.parse(got.output)).toEqual({ allowDocumentInChat: false });
    expect(policyConnections[0]?.records).toBe('records:7');

    const set = await runCli(['policy', 'release', 'set', '--tenant', TENANT, '--allow-document-in-chat', 'true'], io);
    expect(set.code, set.output).toBe(0);
    expect(calls.at(-1)).toEqual({ method: 'setReleasePolicy', args: [TENANT, { allowDocumentInChat: true }] });
    expect(JSON.parse(set.output)).toEqual({ allowDocumentInChat: true });

    const before = calls.length;
    for (const argv of [
      ['policy', 'release', 'set', '--tenant', TENANT, '--allow-document-in-chat', 'yes'],
      ['policy', 'release', 'set', '--tenant', TENANT],
      ['policy', 'release', 'get'],
      ['policy', 'release'],
      ['policy', 'consent', 'get', '--tenant', TENANT],
    ]) {
      const result = await runCli(argv, io);
      expect(result.code, argv.join(' ')).toBe(2);
      expect(result.output).toContain('usage: admin');
    }
    expect(calls.length).toBe(before);
  });

  it('answers bad usage with exit 2 and the usage text', async () => {
    for (const argv of [[], ['tenant'], ['tenant', 'create', '--name', 'x'], ['bogus', 'verb'], ['tenant', 'list', '--unknown']]) {
      const result = await runCli(argv, fakeIo().io);
      expect(result.code, argv.join(' ')).toBe(2);
      expect(result.output).toContain('usage: admin');
    }
  });
});
