// TenantDirectoryService against the real Postgres and Kafka: the platform call creates hospitals
// (and nothing else may), tenants never see or touch each other's teams and staff, the role is
// checked, and every change (role changes included) emits its audit event with ids only.
import { randomUUID } from 'node:crypto';
import { type Metadata, type ServiceError, credentials, status as GrpcStatus } from '@grpc/grpc-js';
import { readTopic } from '@careline/bus/testing';
import {
  type AuditEventV1,
  type CreateTeamRequest,
  type CreateTeamResponse,
  type CreateTenantRequest,
  type CreateTenantResponse,
  type DeactivateStaffRequest,
  type DeactivateStaffResponse,
  type GetTenantRequest,
  type GetTenantResponse,
  type ListStaffRequest,
  type ListStaffResponse,
  type ListTeamsRequest,
  type ListTeamsResponse,
  type ListTenantsRequest,
  type ListTenantsResponse,
  TOPICS,
  TenantDirectoryServiceClient,
  TenantStatus,
  type UpdateTeamRequest,
  type UpdateTeamResponse,
  type UpdateTenantRequest,
  type UpdateTenantResponse,
  type UpsertStaffRequest,
  type UpsertStaffResponse,
  auditEvent,
} from '@careline/contracts';
import { findTablesWithoutTenantIsolation } from '@careline/db';
import { metadataForCaller } from '@careline/runtime';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PLATFORM_OPERATOR_ROLE } from '@careline/auth';
import { type Harness, startHarness } from './int-test-support';

const STAFF_NAME = 'Dr Staffmarker Example';
const STAFF_EMAIL = 'staffmarker@hospital.example';

let h: Harness;
let client: TenantDirectoryServiceClient;

type Unary<Req, Res> = (request: Req, metadata: Metadata, cb: (error: ServiceError | null, response: Res) => void) => unknown;
function rpc<Req, Res>(method: Unary<Req, Res>) {
  return (request: Req, metadata: Metadata): Promise<Res> =>
    new Promise((resolve, reject) => method.call(client, request, metadata, (error, response) => (error ? reject(error) : resolve(response))));
}

const operator = (tenantId?: string) => metadataForCaller({ ...(tenantId ? { tenantId } : {}), actor: 'operator:ops', roles: [PLATFORM_OPERATOR_ROLE] });
const admin = (tenantId: string, actor = 'user:admin-1') => metadataForCaller({ tenantId, actor, roles: ['admin'] });
const nurse = (tenantId: string) => metadataForCaller({ tenantId, actor: 'user:nurse-1', roles: ['nurse'] });

async function codeOf(promise: Promise<unknown>): Promise<number | undefined> {
  try {
    await promise;
    return undefined;
  } catch (error) {
    return (error as ServiceError).code;
  }
}

const api = () => ({
  createTenant: rpc<CreateTenantRequest, CreateTenantResponse>(client.createTenant),
  listTenants: rpc<ListTenantsRequest, ListTenantsResponse>(client.listTenants),
  getTenant: rpc<GetTenantRequest, GetTenantResponse>(client.getTenant),
  updateTenant: (request: Partial<UpdateTenantRequest>, metadata: Metadata) =>
    rpc<UpdateTenantRequest, UpdateTenantResponse>(client.updateTenant)({ status: TenantStatus.TENANT_STATUS_UNSPECIFIED, ...request }, metadata),
  createTeam: rpc<CreateTeamRequest, CreateTeamResponse>(client.createTeam),
  listTeams: rpc<ListTeamsRequest, ListTeamsResponse>(client.listTeams),
  updateTeam: rpc<UpdateTeamRequest, UpdateTeamResponse>(client.updateTeam),
  upsertStaff: (request: Partial<UpsertStaffRequest>, metadata: Metadata) =>
    rpc<UpsertStaffRequest, UpsertStaffResponse>(client.upsertStaff)(
      { staffId: '', subject: '', roles: [], setRoles: false, teamIds: [], setTeamIds: false, ...request },
      metadata,
    ),
  listStaff: rpc<ListStaffRequest, ListStaffResponse>(client.listStaff),
  deactivateStaff: rpc<DeactivateStaffRequest, DeactivateStaffResponse>(client.deactivateStaff),
});

beforeAll(async () => {
  h = await startHarness();
  client = new TenantDirectoryServiceClient(`127.0.0.1:${h.app.grpc.port()}`, credentials.createInsecure());
});

afterAll(async () => {
  client?.close();
  await h?.close();
});

describe('TenantDirectoryService', () => {
  it('creates tenants only for the platform operator without a tenant', async () => {
    const d = api();
    const request = { name: 'Hospital Norte', timeZone: 'europe/madrid', defaultLanguage: 'es', tenantId: '' };
    const { tenant } = await d.createTenant(request, operator());
    expect(tenant).toMatchObject({ name: 'Hospital Norte', timeZone: 'Europe/Madrid', defaultLanguage: 'es', status: TenantStatus.TENANT_STATUS_ACTIVE });
    expect(tenant?.id).toMatch(/^[0-9a-f-]{36}$/);

    expect(await codeOf(d.createTenant(request, operator(tenant!.id)))).toBe(GrpcStatus.PERMISSION_DENIED);
    expect(await codeOf(d.createTenant(request, metadataForCaller({ actor: 'user:admin-1', roles: ['admin'] })))).toBe(GrpcStatus.PERMISSION_DENIED);
    expect(await codeOf(d.createTenant(request, admin(tenant!.id)))).toBe(GrpcStatus.PERMISSION_DENIED);
    expect(await codeOf(d.createTenant(request, metadataForCaller(undefined)))).toBe(GrpcStatus.UNAUTHENTICATED);
    expect(await codeOf(d.createTenant({ ...request, timeZone: 'Mars/Olympus' }, operator()))).toBe(GrpcStatus.INVALID_ARGUMENT);

    const pinned = randomUUID();
    await d.createTenant({ ...request, name: 'Pinned', tenantId: pinned }, operator());
    expect(await codeOf(d.createTenant({ ...request, name: 'Pinned', tenantId: pinned }, operator()))).toBe(GrpcStatus.ALREADY_EXISTS);

    const { tenants } = await d.listTenants({}, operator());
    expect(tenants.map((t) => t.id)).toEqual(expect.arrayContaining([tenant!.id, pinned]));
    expect(await codeOf(d.listTenants({}, admin(pinned)))).toBe(GrpcStatus.PERMISSION_DENIED);

    expect((await d.getTenant({}, admin(pinned))).tenant?.name).toBe('Pinned');
    const updated = await d.updateTenant({ name: 'Pinned General' }, admin(pinned));
    expect(updated.tenant?.name).toBe('Pinned General');
    // suspending is the platform's decision
    expect(await codeOf(d.updateTenant({ status: TenantStatus.TENANT_STATUS_SUSPENDED }, admin(pinned)))).toBe(GrpcStatus.PERMISSION_DENIED);
    expect((await d.updateTenant({ status: TenantStatus.TENANT_STATUS_SUSPENDED }, operator(pinned))).tenant?.status).toBe(
      TenantStatus.TENANT_STATUS_SUSPENDED,
    );
  });

  it("keeps tenants apart: teams and staff of another tenant are invisible and untouchable", async () => {
    const d = api();
    const a = (await d.createTenant({ name: 'A', timeZone: 'UTC', defaultLanguage: '', tenantId: '' }, operator())).tenant!.id;
    const b = (await d.createTenant({ name: 'B', timeZone: 'UTC', defaultLanguage: '', tenantId: '' }, operator())).tenant!.id;
    const team = (await d.createTeam({ name: 'Cardiology' }, admin(a))).team!;
    expect(await codeOf(d.createTeam({ name: 'cardiology' }, admin(a)))).toBe(GrpcStatus.ALREADY_EXISTS);
    const { staff } = await d.upsertStaff(
      { subject: 'auth0|a-1', displayName: STAFF_NAME, email: STAFF_EMAIL, roles: ['nurse'], setRoles: true, teamIds: [team.id], setTeamIds: true },
      admin(a),
    );
    expect(staff).toMatchObject({ subject: 'auth0|a-1', roles: ['nurse'], teamIds: [team.id], active: true });

    // B sees nothing of A's, and may use the same team name
    expect((await d.listTeams({}, admin(b))).teams).toEqual([]);
    expect((await d.listStaff({ includeInactive: true }, admin(b))).staff).toEqual([]);
    await d.createTeam({ name: 'Cardiology' }, admin(b));
    expect(await codeOf(d.updateTeam({ teamId: team.id, name: 'Stolen' }, admin(b)))).toBe(GrpcStatus.NOT_FOUND);
    expect(await codeOf(d.deactivateStaff({ staffId: staff!.id }, admin(b)))).toBe(GrpcStatus.NOT_FOUND);
    expect(await codeOf(d.upsertStaff({ staffId: staff!.id, roles: ['admin'], setRoles: true }, admin(b)))).toBe(GrpcStatus.NOT_FOUND);
    expect(
      await codeOf(d.upsertStaff({ subject: 'b-1', displayName: 'B One', roles: ['nurse'], setRoles: true, teamIds: [team.id], setTeamIds: true }, admin(b))),
    ).toBe(GrpcStatus.INVALID_ARGUMENT);
    // A's data unchanged
    expect((await d.listTeams({}, admin(a))).teams.map((t) => t.name)).toEqual(['Cardiology']);
    expect((await d.listStaff({ includeInactive: false }, admin(a))).staff.map((s) => s.id)).toEqual([staff!.id]);

    // every directory table is under forced row-level security
    expect(await findTablesWithoutTenantIsolation(h.db.adminPool, 'messaging')).toEqual([]);
  });

  it("lets the care team read the hospital's name and its teams, and an auditor the name only", async () => {
    const d = api();
    const tenant = (await d.createTenant({ name: 'Readable', timeZone: 'UTC', defaultLanguage: 'en_US', tenantId: '' }, operator())).tenant!.id;
    await d.createTeam({ name: 'Night shift' }, admin(tenant));
    // the inbox filters and assigns by team: its staff read the names, not only the admin
    expect((await d.listTeams({}, nurse(tenant))).teams.map((t) => t.name)).toEqual(['Night shift']);
    expect((await d.getTenant({}, nurse(tenant))).tenant?.name).toBe('Readable');
    const auditor = metadataForCaller({ tenantId: tenant, actor: 'user:auditor-1', roles: ['auditor'] });
    expect(await codeOf(d.listTeams({}, auditor))).toBe(GrpcStatus.PERMISSION_DENIED);
    expect((await d.getTenant({}, auditor)).tenant?.name).toBe('Readable');
  });

  it('needs tenant:admin, and audits every change with ids only', async () => {
    const d = api();
    const tenant = (await d.createTenant({ name: 'Audited', timeZone: 'UTC', defaultLanguage: 'en_US', tenantId: '' }, operator())).tenant!.id;
    expect(await codeOf(d.createTeam({ name: 'Night shift' }, nurse(tenant)))).toBe(GrpcStatus.PERMISSION_DENIED);
    expect(await codeOf(d.listStaff({ includeInactive: false }, nurse(tenant)))).toBe(GrpcStatus.PERMISSION_DENIED);
    expect(await codeOf(d.upsertStaff({ subject: 's-1', displayName: 'x', roles: ['wizard'], setRoles: true }, admin(tenant)))).toBe(
      GrpcStatus.INVALID_ARGUMENT,
    );

    const team = (await d.createTeam({ name: 'Night shift' }, admin(tenant, 'user:team-maker'))).team!;
    const created = await d.upsertStaff({ subject: 's-1', displayName: STAFF_NAME, email: STAFF_EMAIL, roles: ['nurse'], setRoles: true }, admin(tenant, 'user:hirer'));
    expect(created.created).toBe(true);
    const promoted = await d.upsertStaff({ subject: 's-1', roles: ['admin', 'clinician'], setRoles: true }, admin(tenant, 'user:promoter'));
    expect(promoted).toMatchObject({ created: false, staff: { id: created.staff!.id, roles: ['admin', 'clinician'], displayName: STAFF_NAME } });
    await d.deactivateStaff({ staffId: created.staff!.id }, admin(tenant, 'user:last'));
    expect((await d.listStaff({ includeInactive: false }, admin(tenant))).staff).toEqual([]);
    expect((await d.listStaff({ includeInactive: true }, admin(tenant))).staff[0]?.active).toBe(false);

    const decode = (records: readonly { value: Buffer | null }[]) =>
      records
        .map((r) => ({ raw: r.value ?? Buffer.alloc(0), event: auditEvent.decode(r.value ?? new Uint8Array()) }))
        .filter((e) => e.event.tenantId === tenant);
    const records = await readTopic(h.kafka, TOPICS.auditEvents, {
      until: (read) => decode(read).some((e) => e.event.actor?.id === 'user:last'),
      timeoutMs: 30_000,
    });
    const entries = decode(records);
    const rows = entries.map(({ event }: { event: AuditEventV1 }) => [event.action, event.actor?.id, event.outcome]);
    expect(rows).toEqual([
      ['tenant.created', 'operator:ops', 'AUDIT_OUTCOME_SUCCESS'],
      ['team.created', 'user:nurse-1', 'AUDIT_OUTCOME_DENIED'],
      ['team.created', 'user:team-maker', 'AUDIT_OUTCOME_SUCCESS'],
      ['staff.created', 'user:hirer', 'AUDIT_OUTCOME_SUCCESS'],
      ['staff.roles_changed', 'user:promoter', 'AUDIT_OUTCOME_SUCCESS'],
      ['staff.deactivated', 'user:last', 'AUDIT_OUTCOME_SUCCESS'],
    ]);
    expect(entries[2]!.event.resource).toEqual({ type: 'team', id: team.id });
    expect(entries[4]!.event).toMatchObject({
      resource: { type: 'staff', id: created.staff!.id },
      detail: { roles: 'admin,clinician', added: 'admin,clinician', removed: 'nurse' },
    });
    for (const entry of entries) {
      const raw = entry.raw.toString('latin1');
      expect(raw).not.toContain('Staffmarker');
      expect(raw).not.toContain(STAFF_EMAIL);
    }
    expect(h.logs.text()).not.toContain('Staffmarker');
  });
});
