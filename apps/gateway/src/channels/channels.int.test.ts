// The channel registry in Postgres, against the real database and broker: a number registered over
// gRPC on one gateway instance is accepted by ANOTHER instance's webhook endpoint within seconds
// (LISTEN/NOTIFY; the other instance's poll is set far beyond the test), credentials are sealed in
// the table, ListChannels shows none, tenants cannot see or touch each other's numbers, the role
// is re-checked, and every change leaves an audit event without secrets.
import { randomUUID } from 'node:crypto';
import { type Metadata, type ServiceError, credentials, status as GrpcStatus } from '@grpc/grpc-js';
import { readTopic } from '@careline/bus/testing';
import {
  type AuditEventV1,
  type ChannelSummary,
  ChannelServiceClient,
  ChannelStatus,
  type ListChannelsResponse,
  type RegisterChannelRequest,
  type RegisterChannelResponse,
  TOPICS,
  type UpdateChannelRequest,
  type UpdateChannelResponse,
  auditEvent,
} from '@careline/contracts';
import { loadConfig, metadataForCaller } from '@careline/runtime';
import { captureLogger } from '@careline/runtime/testing';
import { waitFor } from '@careline/testing';
import { signWebhook, webhookPayload } from '@careline/whatsapp/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type GatewayApp, buildApp } from '../app';
import { configSchema } from '../config';
import { SECRET_MARKER, TENANT_A, channelFixtures } from '../test/fixtures';
import { type TestInfra, provisionTestInfra } from '../test/harness';
import { PLATFORM_OPERATOR_ROLE } from '@careline/auth';

const TENANT_C = randomUUID();
const TENANT_D = randomUUID();
const NEW_NUMBER = '109876543210123';
const NEW_WABA = '208765432109876';
const TOKEN = `EAAG-new-token-${SECRET_MARKER}`;
const SECRET = `new-app-secret-${SECRET_MARKER}`;

let infra: TestInfra;
let first: GatewayApp;
let second: GatewayApp;
let client: ChannelServiceClient;
const logs = [captureLogger({ name: 'gateway-1', level: 'debug' }), captureLogger({ name: 'gateway-2', level: 'debug' })];

function call<Req, Res>(method: (request: Req, metadata: Metadata, cb: (error: ServiceError | null, response: Res) => void) => unknown) {
  return (request: Req, metadata: Metadata): Promise<Res> =>
    new Promise((resolve, reject) => {
      method.call(client, request, metadata, (error, response) => (error ? reject(error) : resolve(response)));
    });
}
const register = (request: RegisterChannelRequest, metadata: Metadata) =>
  call<RegisterChannelRequest, RegisterChannelResponse>(client.registerChannel)(request, metadata);
const list = (metadata: Metadata) => call<object, ListChannelsResponse>(client.listChannels)({}, metadata);
const update = (request: Partial<UpdateChannelRequest>, metadata: Metadata) =>
  call<UpdateChannelRequest, UpdateChannelResponse>(client.updateChannel)(
    { phoneNumberId: '', status: ChannelStatus.CHANNEL_STATUS_UNSPECIFIED, ...request },
    metadata,
  );

const admin = (tenantId: string, actor = 'user:admin-1') => metadataForCaller({ tenantId, actor, roles: ['admin'] });

async function grpcError(promise: Promise<unknown>): Promise<ServiceError> {
  try {
    await promise;
  } catch (error) {
    return error as ServiceError;
  }
  throw new Error('the call succeeded');
}

function postWebhook(app: GatewayApp, phoneNumberId: string, wabaId: string, secret: string, wamid: string) {
  const payload = webhookPayload({
    phoneNumberId,
    wabaId,
    contacts: [{ profile: { name: 'Patient' }, wa_id: '16505551234' }],
    messages: [{ from: '16505551234', id: wamid, timestamp: '1749416383', type: 'text', text: { body: 'hi' } }],
  });
  const { body, signature } = signWebhook(payload, secret);
  return fetch(`http://127.0.0.1:${app.http.address()?.port}/webhooks/whatsapp`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-hub-signature-256': signature },
    body: Buffer.from(body),
  });
}

/** The webhook's answer on `app`, once it is `expected` (the registry there catches up). */
async function webhookSettles(app: GatewayApp, secret: string, expected: { status: number; body?: string }, phoneNumberId = NEW_NUMBER) {
  return waitFor(
    async () => {
      const response = await postWebhook(app, phoneNumberId, NEW_WABA, secret, `wamid.${randomUUID()}`);
      const text = await response.text();
      if (response.status !== expected.status) return undefined;
      if (expected.body !== undefined && !text.includes(expected.body)) return undefined;
      return text;
    },
    { timeoutMs: 5_000, intervalMs: 100, message: `the second instance to answer ${expected.status}` },
  );
}

beforeAll(async () => {
  infra = await provisionTestInfra();
  // The second instance polls only every 10 minutes: it must learn of changes through NOTIFY.
  first = buildApp(loadConfig(configSchema, infra.env()), { logger: logs[0]!.logger });
  second = buildApp(loadConfig(configSchema, infra.env({ CHANNEL_REGISTRY_REFRESH_MS: '600000' })), { logger: logs[1]!.logger });
  await first.lifecycle.start();
  await second.lifecycle.start();
  client = new ChannelServiceClient(`127.0.0.1:${first.grpc.port()}`, credentials.createInsecure());
});

afterAll(async () => {
  client?.close();
  await second?.lifecycle.stop();
  await first?.lifecycle.stop();
  await infra?.database.drop();
});

describe('channel registry in Postgres', () => {
  it('bootstraps GATEWAY_CHANNELS into the table', async () => {
    const listed = await list(admin(TENANT_A));
    expect(listed.channels.map((c) => c.phoneNumberId)).toEqual([channelFixtures()[0]!.phone_number_id]);
    expect(second.channels.all().length).toBe(channelFixtures().length);
  });

  it('serves a number registered on one instance from another within seconds', async () => {
    // unknown at first: no app secret of ours signed it
    await webhookSettles(second, SECRET, { status: 401 });
    const { channel } = await register(
      { phoneNumberId: NEW_NUMBER, displayPhoneNumber: '15550001111', wabaId: NEW_WABA, accessToken: TOKEN, appSecret: SECRET },
      admin(TENANT_C),
    );
    expect(channel).toMatchObject({ phoneNumberId: NEW_NUMBER, tenantId: TENANT_C, status: ChannelStatus.CHANNEL_STATUS_ACTIVE });
    const began = Date.now();
    await webhookSettles(second, SECRET, { status: 200, body: 'accepted' });
    expect(Date.now() - began).toBeLessThan(5_000);
    expect(second.channels.byPhoneNumberId(NEW_NUMBER)?.tenantId).toBe(TENANT_C);
  });

  it('stores the credentials sealed, never in clear', async () => {
    const { rows } = await infra.database.adminPool.query<{ access_token: Buffer; app_secret: Buffer; whole: string }>(
      'SELECT access_token, app_secret, c::text AS whole FROM gateway.channels c WHERE phone_number_id = $1',
      [NEW_NUMBER],
    );
    expect(rows).toHaveLength(1);
    const row = rows[0]!;
    for (const text of [row.access_token.toString('latin1'), row.app_secret.toString('latin1'), row.whole]) {
      expect(text).not.toContain(SECRET_MARKER);
      expect(text).not.toContain(TOKEN);
      expect(text).not.toContain(SECRET);
    }
  });

  it('lists channels without any credential field', async () => {
    const listed = await list(admin(TENANT_C));
    expect(listed.channels).toHaveLength(1);
    const summary: ChannelSummary = listed.channels[0]!;
    expect(Object.keys(summary).sort()).toEqual(
      ['createdAt', 'credentialsUpdatedAt', 'displayPhoneNumber', 'phoneNumberId', 'status', 'tenantId', 'updatedAt', 'wabaId'].sort(),
    );
    expect(JSON.stringify(listed)).not.toContain(SECRET_MARKER);
  });

  it("keeps tenants apart: another tenant's number is NOT_FOUND, cannot be taken, nor its WABA", async () => {
    expect((await list(admin(TENANT_D))).channels).toEqual([]);
    const notFound = await grpcError(update({ phoneNumberId: NEW_NUMBER, status: ChannelStatus.CHANNEL_STATUS_DISABLED }, admin(TENANT_D)));
    expect(notFound.code).toBe(GrpcStatus.NOT_FOUND);
    const taken = await grpcError(
      register(
        { phoneNumberId: NEW_NUMBER, displayPhoneNumber: '15550001111', wabaId: '333', accessToken: TOKEN, appSecret: SECRET },
        admin(TENANT_D),
      ),
    );
    expect(taken.code).toBe(GrpcStatus.ALREADY_EXISTS);
    const waba = await grpcError(
      register(
        { phoneNumberId: '109876543210999', displayPhoneNumber: '15550001112', wabaId: NEW_WABA, accessToken: TOKEN, appSecret: SECRET },
        admin(TENANT_D),
      ),
    );
    expect(waba.code).toBe(GrpcStatus.FAILED_PRECONDITION);
    // still served for its owner
    expect(second.channels.byPhoneNumberId(NEW_NUMBER)?.tenantId).toBe(TENANT_C);
  });

  it('re-checks the role and needs a tenant', async () => {
    const nurse = metadataForCaller({ tenantId: TENANT_C, actor: 'user:nurse-1', roles: ['nurse'] });
    expect((await grpcError(list(nurse))).code).toBe(GrpcStatus.PERMISSION_DENIED);
    expect((await grpcError(update({ phoneNumberId: NEW_NUMBER, status: ChannelStatus.CHANNEL_STATUS_DISABLED }, nurse))).code).toBe(
      GrpcStatus.PERMISSION_DENIED,
    );
    const noTenant = metadataForCaller({ actor: 'operator:ops', roles: [PLATFORM_OPERATOR_ROLE] });
    expect((await grpcError(list(noTenant))).code).toBe(GrpcStatus.UNAUTHENTICATED);
    // the platform operator may act in a tenant it names
    const operator = metadataForCaller({ tenantId: TENANT_C, actor: 'operator:ops', roles: [PLATFORM_OPERATOR_ROLE] });
    expect((await list(operator)).channels).toHaveLength(1);
    expect(second.channels.byPhoneNumberId(NEW_NUMBER)).toBeDefined();
  });

  it('rotates the app secret and disables the number on every instance', async () => {
    const rotated = `rotated-app-secret-${SECRET_MARKER}`;
    await update({ phoneNumberId: NEW_NUMBER, appSecret: rotated }, admin(TENANT_C, 'user:rotator'));
    await webhookSettles(second, rotated, { status: 200, body: 'accepted' });
    await webhookSettles(second, SECRET, { status: 401 });
    const { channel } = await update({ phoneNumberId: NEW_NUMBER, status: ChannelStatus.CHANNEL_STATUS_DISABLED }, admin(TENANT_C, 'user:disabler'));
    expect(channel?.status).toBe(ChannelStatus.CHANNEL_STATUS_DISABLED);
    // a disabled number's secret no longer vouches for anything
    await webhookSettles(second, rotated, { status: 401 });
    expect(second.channels.byPhoneNumberId(NEW_NUMBER)).toBeUndefined();
    expect((await list(admin(TENANT_C))).channels[0]?.status).toBe(ChannelStatus.CHANNEL_STATUS_DISABLED);
  });

  it('emits an audit event per change, in the tenant, without secrets', async () => {
    await list(admin(TENANT_C)); // reads are not audited
    await update({ phoneNumberId: NEW_NUMBER, status: ChannelStatus.CHANNEL_STATUS_ACTIVE }, admin(TENANT_C, 'user:last'));
    const decode = (records: readonly { value: Buffer | null }[]) =>
      records.map((r) => ({ raw: r.value ?? Buffer.alloc(0), event: auditEvent.decode(r.value ?? new Uint8Array()) }));
    const records = await readTopic(infra.kafka, TOPICS.auditEvents, {
      until: (read) => decode(read).some((e) => e.event.actor?.id === 'user:last'),
      timeoutMs: 30_000,
    });
    const entries = decode(records).filter((e) => e.event.tenantId === TENANT_C);
    const summary = entries.map((e: { event: AuditEventV1 }) => [e.event.action, e.event.actor?.id, e.event.outcome]);
    expect(summary).toEqual([
      ['channel.registered', 'user:admin-1', 'AUDIT_OUTCOME_SUCCESS'],
      ['channel.updated', 'user:nurse-1', 'AUDIT_OUTCOME_DENIED'],
      ['channel.credentials_rotated', 'user:rotator', 'AUDIT_OUTCOME_SUCCESS'],
      ['channel.disabled', 'user:disabler', 'AUDIT_OUTCOME_SUCCESS'],
      ['channel.enabled', 'user:last', 'AUDIT_OUTCOME_SUCCESS'],
    ]);
    expect(entries[0]!.event.resource).toEqual({ type: 'channel', id: NEW_NUMBER });
    expect(entries[2]!.event.detail).toEqual({ fields: 'app_secret' });
    for (const entry of entries) expect(entry.raw.toString('latin1')).not.toContain(SECRET_MARKER);
    // nor in either instance's logs
    for (const log of logs) expect(log.text()).not.toContain(SECRET_MARKER);
  });
});
