// `/v1/admin/...` in-process (app.inject) with in-memory ChannelService and directory fakes: the
// tenant is the token's and a body naming one is refused, credentials go to the gateway and never
// come back (responses, OpenAPI, logs), upstream errors keep their codes, PATCH semantics.
import { randomUUID } from 'node:crypto';
import { type TestAuth, createTestAuth } from '@careline/auth/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { problemSchema } from '../schemas/common';
import { channelSchema, staffSchema, tenantSchema } from '../schemas/admin';
import { type TestApp, buildTestApp, testConfig } from '../testing/app';
import { type FakeDirectory, createFakeDirectory } from '../testing/fake-directory';
import { type FakeGateway, createFakeGateway } from '../testing/fake-gateway';
import { createFakeMessaging } from '../testing/fake-messaging';

const TOKEN_MARKER = 'TOKENMARKER-abcdefgh';
const SECRET_MARKER = 'SECRETMARKER-abcdefgh';

let auth: TestAuth;
let gateway: FakeGateway;
let directory: FakeDirectory;
let app: TestApp;
let adminToken: string;
const otherTenant = randomUUID();

beforeAll(async () => {
  auth = await createTestAuth();
  gateway = createFakeGateway();
  directory = createFakeDirectory();
  directory.addTenant(auth.tenantId, { name: 'Own Hospital' });
  directory.addTenant(otherTenant, { name: 'Other Hospital' });
  gateway.add({ phoneNumberId: '106540352242999', tenantId: otherTenant });
  app = await buildTestApp(testConfig(), {
    verifier: auth.verifier,
    messaging: createFakeMessaging().client,
    gateway: gateway.client,
    directory: directory.client,
  });
  adminToken = await auth.mint({ roles: ['admin'] });
});

afterAll(() => app.close());

function call(method: 'GET' | 'POST' | 'PATCH', url: string, payload?: Record<string, unknown>) {
  return app.http.app.inject({ method, url, headers: { authorization: `Bearer ${adminToken}` }, ...(payload ? { payload } : {}) });
}

const registration = (phoneNumberId: string) => ({
  phoneNumberId,
  displayPhoneNumber: '15550001234',
  wabaId: '102290129340555',
  accessToken: TOKEN_MARKER,
  appSecret: SECRET_MARKER,
});

describe('/v1/admin/channels', () => {
  it("registers a number for the token's tenant; credentials reach the gateway and never come back", async () => {
    const response = await call('POST', '/v1/admin/channels', registration('106540352242001'));
    expect(response.statusCode, response.body).toBe(201);
    expect(channelSchema.strict().parse(response.json())).toMatchObject({ phoneNumberId: '106540352242001', status: 'active' });
    expect(response.body).not.toContain(TOKEN_MARKER);
    expect(response.body).not.toContain(SECRET_MARKER);
    const sent = gateway.calls.at(-1)!;
    expect(sent.caller.tenantId).toBe(auth.tenantId);
    expect(sent.caller.actor).toMatch(/^user:/);
    expect(gateway.stored('106540352242001')).toMatchObject({ tenantId: auth.tenantId, accessToken: TOKEN_MARKER, appSecret: SECRET_MARKER });

    const listed = await call('GET', '/v1/admin/channels');
    expect(listed.statusCode).toBe(200);
    expect(listed.json<{ items: { phoneNumberId: string }[] }>().items.map((c) => c.phoneNumberId)).toEqual(['106540352242001']);
    expect(listed.body).not.toContain(TOKEN_MARKER);
    expect(app.logs()).not.toContain(TOKEN_MARKER);
    expect(app.logs()).not.toContain(SECRET_MARKER);
  });

  it('refuses a body that names a tenant, or any unknown field, before calling the gateway', async () => {
    const before = gateway.calls.length;
    for (const extra of [{ tenantId: otherTenant }, { tenant_id: otherTenant }, { status: 'active' }]) {
      const response = await call('POST', '/v1/admin/channels', { ...registration('106540352242002'), ...extra });
      expect(response.statusCode).toBe(400);
      expect(problemSchema.parse(response.json()).code).toBe('invalid_request');
    }
    const badSecret = await call('POST', '/v1/admin/channels', { ...registration('106540352242002'), appSecret: 'short' });
    expect(badSecret.statusCode).toBe(400);
    expect(badSecret.body).not.toContain('short"');
    expect(gateway.calls.length).toBe(before);
  });

  it("rotates and disables; another tenant's number is 404, a taken one 409", async () => {
    const rotated = await call('PATCH', '/v1/admin/channels/106540352242001', { accessToken: `${TOKEN_MARKER}-2`, status: 'disabled' });
    expect(rotated.statusCode, rotated.body).toBe(200);
    expect(rotated.json()).toMatchObject({ status: 'disabled' });
    expect(rotated.body).not.toContain(TOKEN_MARKER);
    expect(gateway.stored('106540352242001')?.accessToken).toBe(`${TOKEN_MARKER}-2`);

    const foreign = await call('PATCH', '/v1/admin/channels/106540352242999', { status: 'disabled' });
    expect(foreign.statusCode).toBe(404);
    expect(problemSchema.parse(foreign.json()).code).toBe('channel_not_found');
    const taken = await call('POST', '/v1/admin/channels', registration('106540352242999'));
    expect(taken.statusCode).toBe(409);
    expect(problemSchema.parse(taken.json()).code).toBe('channel_already_registered');
    const empty = await call('PATCH', '/v1/admin/channels/106540352242001', {});
    expect(empty.statusCode).toBe(400);
  });

  it('documents credentials as write-only, never in a response schema or an example', async () => {
    const document = (await app.http.app.inject({ method: 'GET', url: '/openapi.json' })).json<{
      components: { schemas: Record<string, { properties?: Record<string, { writeOnly?: boolean; examples?: unknown }> }> };
      paths: Record<string, unknown>;
    }>();
    const schemas = document.components.schemas;
    expect(schemas['ChannelRegistration']?.properties?.['accessToken']?.writeOnly).toBe(true);
    expect(schemas['ChannelRegistration']?.properties?.['appSecret']?.writeOnly).toBe(true);
    expect(schemas['ChannelRegistration']?.properties?.['appSecret']?.examples).toBeUndefined();
    expect(Object.keys(schemas['Channel']?.properties ?? {})).not.toEqual(expect.arrayContaining(['accessToken']));
    expect(Object.keys(schemas['Channel']?.properties ?? {})).not.toContain('appSecret');
    expect(Object.keys(document.paths)).toEqual(
      expect.arrayContaining(['/v1/admin/tenant', '/v1/admin/channels', '/v1/admin/channels/{phoneNumberId}', '/v1/admin/teams', '/v1/admin/staff/{id}']),
    );
  });
});

describe('/v1/admin/tenant, teams, staff', () => {
  it("reads and changes the token's tenant only", async () => {
    const got = await call('GET', '/v1/admin/tenant');
    expect(tenantSchema.parse(got.json())).toMatchObject({ id: auth.tenantId, name: 'Own Hospital' });
    const changed = await call('PATCH', '/v1/admin/tenant', { name: 'Renamed Hospital' });
    expect(changed.json()).toMatchObject({ id: auth.tenantId, name: 'Renamed Hospital' });
    expect((await call('PATCH', '/v1/admin/tenant', { tenantId: otherTenant, name: 'Hijack' })).statusCode).toBe(400);
    expect((await call('PATCH', '/v1/admin/tenant', { status: 'suspended' })).statusCode).toBe(400);
    const other = await directory.client.getTenant({ tenantId: otherTenant, actor: 'test', roles: [] });
    expect(other.tenant?.name).toBe('Other Hospital');
  });

  it('creates teams and staff, and deactivates through PATCH active=false', async () => {
    const team = await call('POST', '/v1/admin/teams', { name: 'Cardiology' });
    expect(team.statusCode).toBe(201);
    const teamId = team.json<{ id: string }>().id;
    expect((await call('POST', '/v1/admin/teams', { name: 'cardiology' })).statusCode).toBe(409);
    expect((await call('PATCH', `/v1/admin/teams/${teamId}`, { name: 'Cardiology Ward' })).json()).toMatchObject({ name: 'Cardiology Ward' });

    const added = await call('POST', '/v1/admin/staff', { subject: 'auth0|n-1', displayName: 'Nora', roles: ['nurse'], teamIds: [teamId] });
    expect(added.statusCode, added.body).toBe(201);
    const member = staffSchema.parse(added.json());
    expect(member).toMatchObject({ subject: 'auth0|n-1', roles: ['nurse'], teamIds: [teamId], active: true, email: null });
    expect((await call('POST', '/v1/admin/staff', { subject: 'x', displayName: 'X', roles: ['platform_operator'] })).statusCode).toBe(400);

    const promoted = await call('PATCH', `/v1/admin/staff/${member.id}`, { roles: ['nurse', 'admin'], email: 'nora@hospital.example' });
    expect(promoted.json()).toMatchObject({ roles: ['nurse', 'admin'], email: 'nora@hospital.example' });
    const upsert = directory.calls.filter((c) => c.method === 'upsertStaff').at(-1)!;
    expect(upsert.request).toMatchObject({ staffId: member.id, setRoles: true, setTeamIds: false });

    const deactivated = await call('PATCH', `/v1/admin/staff/${member.id}`, { active: false });
    expect(deactivated.json()).toMatchObject({ active: false });
    expect(directory.calls.at(-1)?.method).toBe('deactivateStaff');
    expect((await call('GET', '/v1/admin/staff')).json<{ items: unknown[] }>().items).toEqual([]);
    expect((await call('GET', '/v1/admin/staff?includeInactive=true')).json<{ items: unknown[] }>().items).toHaveLength(1);

    const foreignStaff = directory.addStaff(otherTenant);
    expect((await call('PATCH', `/v1/admin/staff/${foreignStaff.id}`, { active: false })).statusCode).toBe(404);
    // every call the api made (the test's own direct reads aside) was in the token's tenant
    for (const recorded of directory.calls.filter((c) => c.caller.actor.startsWith('user:'))) expect(recorded.caller.tenantId).toBe(auth.tenantId);
  });
});

describe('/v1/tenant and /v1/teams (the hospital for its staff)', () => {
  it("gives the care team the hospital's name and teams, the auditor the name only, and another tenant nothing", async () => {
    await call('POST', '/v1/admin/teams', { name: 'Maternity' });
    const nurse = await auth.mint({ roles: ['nurse'] });
    const auditor = await auth.mint({ roles: ['auditor'] });
    const get = (token: string, url: string) => app.http.app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${token}` } });

    const teams = await get(nurse, '/v1/teams');
    expect(teams.statusCode).toBe(200);
    expect(teams.json<{ items: { name: string }[] }>().items.map((team) => team.name)).toContain('Maternity');
    expect((await get(nurse, '/v1/tenant')).json()).toMatchObject({ id: auth.tenantId });
    expect((await get(auditor, '/v1/tenant')).statusCode).toBe(200);
    expect((await get(auditor, '/v1/teams')).statusCode).toBe(403);

    const stranger = await auth.mint({ roles: ['nurse'], tenantId: otherTenant });
    const theirs = await get(stranger, '/v1/teams');
    expect(theirs.json<{ items: { name: string }[] }>().items.map((team) => team.name)).not.toContain('Maternity');
    expect((await get(stranger, '/v1/tenant')).json()).toMatchObject({ id: otherTenant, name: 'Other Hospital' });
  });
});
