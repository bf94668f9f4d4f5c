// The auditor routes over real sockets: HTTP on loopback in front of the real audit gRPC client,
// talking to a real grpc-js server that implements AuditService (the in-test fake of the contract;
// the end-to-end suite runs the real audit). Checked on the wire: the caller metadata comes from
// the token only, the query becomes the request, the export streams as NDJSON, and a refused or
// unreachable audit is a problem response, never a broken 200.
import type { Role } from '@careline/auth';
import { createTestAuth, type TestAuth } from '@careline/auth/testing';
import { AuditServiceDefinition } from '@careline/contracts';
import { type GrpcServer, createGrpcServer, grpcService } from '@careline/runtime';
import { captureLogger } from '@careline/runtime/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type TestApp, buildTestApp, testConfig } from '../testing/app';
import { FAKE_PUBLIC_KEY_PEM, type FakeAudit, createFakeAudit } from '../testing/fake-audit';
import { createFakeMessaging } from '../testing/fake-messaging';

const OTHER_TENANT = '6f1c2d3e-4a5b-4c6d-8e7f-8091a2b3c4d5';

let auth: TestAuth;
let fake: FakeAudit;
let server: GrpcServer;
let app: TestApp;
let base: string;

async function startAudit(port = 0): Promise<GrpcServer> {
  const { logger } = captureLogger({ name: 'fake-audit' });
  const started = createGrpcServer({
    name: 'fake-audit',
    host: '127.0.0.1',
    port,
    logger,
    services: [grpcService(AuditServiceDefinition, fake.handlers(logger))],
    shutdownGraceMs: 200,
  });
  await started.resource.start();
  return started;
}

beforeEach(async () => {
  auth = await createTestAuth();
  fake = createFakeAudit();
  server = await startAudit();
  app = await buildTestApp(
    testConfig({ AUDIT_GRPC_URL: `127.0.0.1:${server.port() ?? 0}`, AUDIT_GRPC_TIMEOUT: '1s' }),
    { verifier: auth.verifier, messaging: createFakeMessaging().client },
  );
  await app.lifecycle.start();
  base = `http://127.0.0.1:${app.http.address()?.port}`;
});

afterEach(async () => {
  await app.close();
  await server.resource.stop();
});

async function get(path: string, roles: Role[] = ['auditor']): Promise<Response> {
  const token = await auth.mint({ roles });
  return fetch(`${base}${path}`, { headers: { authorization: `Bearer ${token}` } });
}

describe('auditor routes through the audit gRPC client', () => {
  it("queries the token's tenant only, with every filter passed on, and pages by cursor", async () => {
    const patientId = 'a1b2c3d4-0000-4000-8000-000000000001';
    const mine = [
      fake.add(auth.tenantId, { patientId, actorId: 'user:nurse-1' }),
      fake.add(auth.tenantId, { patientId, actorId: 'user:nurse-2' }),
      fake.add(auth.tenantId, { patientId, actorId: 'user:nurse-1', action: 'message.send' }),
    ];
    const theirs = fake.add(OTHER_TENANT, { patientId, actorId: 'user:nurse-1' });

    const response = await get(`/v1/audit/events?patientId=${patientId}&actorId=user:nurse-1&tenantId=${OTHER_TENANT}&limit=1`);
    expect(response.status).toBe(200);
    const page = (await response.json()) as { items: { eventId: string; actor: { id: string } }[]; nextCursor: string | null };
    expect(page.items.map((item) => item.eventId)).toEqual([mine[0]?.eventId]);
    expect(page.nextCursor).not.toBeNull();
    const next = (await (
      await get(`/v1/audit/events?patientId=${patientId}&actorId=user:nurse-1&limit=1&cursor=${page.nextCursor ?? ''}`)
    ).json()) as { items: { eventId: string; action: string; patient: { id: string | null } }[] };
    expect(next.items.map((item) => [item.eventId, item.action, item.patient.id])).toEqual([
      [mine[2]?.eventId, 'message.send', patientId],
    ]);

    const query = fake.calls.find((c) => c.method === 'queryEvents');
    expect(query?.caller).toMatchObject({ tenantId: auth.tenantId, roles: ['auditor'] });
    expect(query?.request).toMatchObject({ patientId, actorId: 'user:nurse-1', pageSize: 1, pageToken: '' });
    // B's entry was never visible, and A's reads were recorded in A's chain only.
    expect(JSON.stringify(page)).not.toContain(theirs.eventId);
    expect(fake.entries(OTHER_TENANT)).toHaveLength(1);
    expect(fake.entries(auth.tenantId).filter((e) => e.action === 'audit.read')).toHaveLength(2);

    const bad = await get('/v1/audit/events?from=yesterday');
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ code: 'invalid_request', details: { errors: [expect.objectContaining({ path: 'query/from' })] } });
  });

  it('streams the export as FHIR NDJSON, and reports verify and checkpoints', async () => {
    for (let n = 0; n < 3; n += 1) fake.add(auth.tenantId, { action: `record.step_${n}` });
    fake.addCheckpoint({ tenantId: auth.tenantId, seq: 2, hash: 'ab', signedAt: '2025-01-01T00:00:00.000Z', keyId: 'k', signature: 's' });

    const exported = await get('/v1/audit/export', ['admin']);
    expect(exported.status).toBe(200);
    expect(exported.headers.get('content-type')).toMatch(/^application\/fhir\+ndjson/);
    const lines = (await exported.text()).trimEnd().split('\n').map((line) => JSON.parse(line) as { resourceType: string; type: { code: string } });
    expect(lines.map((line) => [line.resourceType, line.type.code])).toEqual([
      ...[0, 1, 2].map((n) => ['AuditEvent', `record.step_${n}`]),
      ['AuditEvent', 'audit.export'],
    ]);

    expect(await (await get('/v1/audit/verify')).json()).toEqual({ ok: true, count: 4, brokenSeq: null, reason: null, message: null });
    fake.breakAt(auth.tenantId, 2, 'hash_mismatch');
    expect(await (await get('/v1/audit/verify')).json()).toEqual({
      ok: false,
      count: null,
      brokenSeq: 2,
      reason: 'hash_mismatch',
      message: 'seq 2: hash_mismatch',
    });
    expect(await (await get('/v1/audit/checkpoints')).json()).toMatchObject({
      checkpoints: [{ tenantId: auth.tenantId, seq: 2 }],
      publicKeyPem: FAKE_PUBLIC_KEY_PEM,
    });
  });

  it('answers problem+json, not a broken stream, when audit refuses or is down', async () => {
    // A nurse never reaches audit (the api refuses first)...
    const nurse = await get('/v1/audit/export', ['nurse']);
    expect(nurse.status).toBe(403);
    expect(fake.calls).toEqual([]);

    // ...and a refusal by audit itself keeps its code through the stream.
    fake.setServing(false);
    const refused = await get('/v1/audit/export');
    expect(refused.status).toBe(503);
    expect(refused.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(await refused.json()).toMatchObject({ code: 'service_unavailable' });

    await server.resource.stop();
    for (const path of ['/v1/audit/export', '/v1/audit/events', '/v1/audit/verify']) {
      const down = await get(path);
      expect(down.status, path).toBe(503);
      expect(await down.json(), path).toMatchObject({ code: 'service_unavailable', details: { service: 'audit' } });
    }
  });
});
