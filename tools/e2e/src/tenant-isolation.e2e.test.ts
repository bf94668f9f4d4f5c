// Hospitals kept apart, shown through real processes: tenant A's conversation (made by a patient
// message) is invisible to tenant B on EVERY api route (read from the OpenAPI document) and on
// EVERY MessagingService method (read from the service definition); a call without a tenant is
// refused and the service role without a tenant reads zero rows; and every table with `tenant_id`
// in every schema of the stack's database has forced row-level security and a policy.
import { randomUUID } from 'node:crypto';
import { Client, Metadata, type ServiceError, credentials, status as GrpcStatus } from '@grpc/grpc-js';
import { ROLES } from '@careline/auth';
import { MessagingServiceDefinition } from '@careline/contracts';
import { createPool, findTablesWithoutTenantIsolation, serviceDatabaseUrl, withTenant } from '@careline/db';
import { metadataForCaller } from '@careline/runtime';
import { requestJson, serviceRolePassword } from '@careline/stack';
import { testEnv, waitFor } from '@careline/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { type Conversation, type StaffClient, problemCode, staffClient } from './support/api';
import { useStack } from './support/stack';
import { randomWaId } from './support/webhooks';

const stack = useStack('tenant-isolation');

const PATIENT_TEXT = 'Tenant A private symptom';
const PROFILE_NAME = 'Alma Tenant-A';
const METHODS = ['get', 'put', 'post', 'delete', 'patch'] as const;

const documentSchema = z.object({
  paths: z.record(
    z.string(),
    z.partialRecord(z.enum(METHODS), z.object({ operationId: z.string(), requestBody: z.unknown().optional() })),
  ),
});

/** A valid body per operation that takes one; a new one missing here fails the matrix. */
const EXAMPLE_BODIES: Record<string, unknown> = {
  sendText: { text: 'Hello from tenant B', idempotencyKey: 'cross-tenant' },
};

interface Route {
  method: string;
  path: string;
  operationId: string;
  hasBody: boolean;
}

let tenantA: StaffClient;
let tenantB: StaffClient;
let waId: string;
let conversation: Conversation;
let messageIds: string[];
let routes: Route[];

beforeAll(async () => {
  // every role at once: B holds every permission, so a refusal can only be the tenant's doing
  tenantA = await staffClient(stack());
  tenantB = await staffClient(stack(), { tenantId: randomUUID(), roles: [...ROLES] });
  waId = randomWaId();
  await stack().patientSays(waId, PATIENT_TEXT, { profileName: PROFILE_NAME });
  conversation = await waitFor(() => tenantA.conversationWith(waId), {
    message: 'the conversation to be listed for tenant A',
    timeoutMs: 20_000,
  });
  messageIds = (await tenantA.messages(conversation.id)).map((message) => message.id);
  expect(messageIds.length).toBeGreaterThan(0);

  const document = documentSchema.parse((await requestJson('GET', stack().urls.openapi)).body);
  routes = Object.entries(document.paths).flatMap(([path, item]) =>
    METHODS.flatMap((method) => {
      const operation = item[method];
      return operation === undefined
        ? []
        : [{ method: method.toUpperCase(), path, operationId: operation.operationId, hasBody: operation.requestBody !== undefined }];
    }),
  );
});

/** Nothing of tenant A's patient in a response: not the number, the name, the text or A's ids. */
function expectNothingOfA(body: unknown, what: string): void {
  const text = JSON.stringify(body);
  for (const secret of [waId, PROFILE_NAME, PATIENT_TEXT, ...messageIds]) expect(text, what).not.toContain(secret);
}

describe('cross-tenant matrix through the api', () => {
  it("answers 404 with no data on every route that takes an id, for A's ids with B's token", async () => {
    const withId = routes.filter((route) => route.path.includes('{'));
    expect(withId.length).toBeGreaterThanOrEqual(3);
    for (const route of withId) {
      if (route.hasBody && !(route.operationId in EXAMPLE_BODIES)) throw new Error(`no example body for ${route.operationId}`);
      const url = `${stack().urls.api}${route.path.replace(/\{[A-Za-z0-9_]+\}/g, conversation.id)}`;
      const response = await requestJson(route.method, url, {
        headers: { authorization: `Bearer ${tenantB.token}` },
        ...(route.hasBody ? { body: EXAMPLE_BODIES[route.operationId] } : {}),
      });
      const what = `${route.method} ${route.path}`;
      expect(response.status, what).toBe(404);
      expect(problemCode(response), what).toBe('conversation_not_found');
      expectNothingOfA(response.body, what);
    }
    // and nothing was queued to A's patient by B's POST
    const outbound = (await tenantA.messages(conversation.id)).filter((message) => message.direction === 'outbound');
    expect(outbound).toEqual([]);
  });

  it("lists none of A's items on every list route", async () => {
    const lists = routes.filter((route) => route.method === 'GET' && route.path.startsWith('/v1/') && !route.path.includes('{'));
    let listed = 0;
    for (const route of lists) {
      const response = await requestJson('GET', `${stack().urls.api}${route.path}`, {
        headers: { authorization: `Bearer ${tenantB.token}` },
      });
      expect(response.status, route.path).toBe(200);
      const items = z.object({ items: z.array(z.object({ id: z.string() })) }).safeParse(response.body);
      if (!items.success) continue; // not a list (e.g. /v1/me)
      listed += 1;
      expect(items.data.items.map((item) => item.id), route.path).not.toContain(conversation.id);
      expectNothingOfA(response.body, route.path);
    }
    expect(listed).toBeGreaterThanOrEqual(1);
    // while A still sees it
    expect((await tenantA.conversations()).map((c) => c.id)).toContain(conversation.id);
  });
});

describe('cross-tenant matrix on MessagingService (gRPC, directly)', () => {
  let client: Client;
  beforeAll(() => {
    client = new Client(stack().urls.messagingGrpc, credentials.createInsecure());
  });
  afterAll(() => client.close());

  type Method = (typeof MessagingServiceDefinition)[keyof typeof MessagingServiceDefinition];
  const methods = Object.entries(MessagingServiceDefinition) as [string, Method][];

  // One request naming A's ids for every method; each method's encoder keeps its own fields.
  const request = () => ({
    conversationId: conversation.id,
    pageSize: 200,
    pageToken: '',
    text: 'Hello from tenant B',
    idempotencyKey: randomUUID(),
    replyToMessageId: '',
  });

  function call(method: Method, metadata: Metadata): Promise<{ error: ServiceError | null; response: unknown }> {
    return new Promise((resolve) => {
      client.makeUnaryRequest(
        method.path,
        (value: unknown) => (method.requestSerialize as (v: unknown) => Buffer)(value),
        (bytes: Buffer) => method.responseDeserialize(bytes),
        request(),
        metadata,
        (error, response) => resolve({ error: error ?? null, response }),
      );
    });
  }

  const takesId = (method: Method): boolean =>
    'conversationId' in (method.requestDeserialize((method.requestSerialize as (v: unknown) => Buffer)(request())) as object);

  it("answers NOT_FOUND on every method that takes an id, and lists none of A's conversations", async () => {
    expect(methods.map(([name]) => name).sort()).toEqual(['getConversation', 'listConversations', 'listMessages', 'sendText']);
    const b = metadataForCaller({ tenantId: randomUUID(), actor: 'user:tenant-b', roles: ['nurse'] });
    for (const [name, method] of methods) {
      const { error, response } = await call(method, b);
      if (takesId(method)) {
        expect(error?.code, name).toBe(GrpcStatus.NOT_FOUND);
        expect(response, name).toBeUndefined();
      } else {
        expect(error, name).toBeNull();
        expect(JSON.stringify(response), name).not.toContain(conversation.id);
        expectNothingOfA(response, name);
      }
    }
  });

  it('answers UNAUTHENTICATED on every method when the metadata names no tenant', async () => {
    const noTenant = metadataForCaller({ actor: 'user:tenant-less', roles: ['nurse'] });
    for (const [name, method] of methods) {
      const { error, response } = await call(method, noTenant);
      expect(error?.code, name).toBe(GrpcStatus.UNAUTHENTICATED);
      expect(response, name).toBeUndefined();
    }
    // and with no metadata at all
    const { error } = await call(MessagingServiceDefinition.listConversations, new Metadata());
    expect(error?.code).toBe(GrpcStatus.UNAUTHENTICATED);
  });

  it("reads zero rows as messaging's own role without a tenant in the transaction (RLS), and A's rows with A's", async () => {
    const url = serviceDatabaseUrl(stack().database.adminUrl, 'messaging', serviceRolePassword(testEnv().databaseUrl, 'messaging'));
    const pool = createPool({ url, applicationName: 'e2e-tenant-isolation', max: 1 });
    try {
      for (const table of ['conversations', 'messages']) {
        const { rows } = await pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM messaging.${table}`);
        expect(rows[0]?.n, table).toBe(0);
      }
      const seen = await withTenant(pool, stack().seed.tenant.id, async (client) => {
        const { rows } = await client.query<{ n: number }>('SELECT count(*)::int AS n FROM messaging.conversations WHERE id = $1', [
          conversation.id,
        ]);
        return rows[0]?.n;
      });
      expect(seen).toBe(1);
    } finally {
      await pool.end();
    }
  });
});

describe('schema check: every tenant table isolated', () => {
  it('finds no table with tenant_id lacking forced RLS and a policy, in every schema of the database', async () => {
    const pool = createPool({ url: stack().database.adminUrl, applicationName: 'e2e-schema-check', max: 1 });
    try {
      const { rows } = await pool.query<{ schema: string }>(
        `SELECT DISTINCT n.nspname AS schema
           FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
          WHERE c.relkind IN ('r', 'p')
            AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_%'
          ORDER BY 1`,
      );
      const schemas = rows.map((row) => row.schema);
      expect(schemas).toEqual(expect.arrayContaining(['gateway', 'ingest', 'messaging']));
      const { rows: tenantSchemas } = await pool.query<{ schema: string }>(
        `SELECT DISTINCT n.nspname AS schema
           FROM pg_catalog.pg_attribute a
           JOIN pg_catalog.pg_class c ON c.oid = a.attrelid
           JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
          WHERE a.attname = 'tenant_id' AND a.attnum > 0 AND NOT a.attisdropped AND c.relkind IN ('r', 'p')`,
      );
      // every schema holding a tenant_id table is among those checked
      expect(schemas).toEqual(expect.arrayContaining(tenantSchemas.map((row) => row.schema)));
      const gaps: Record<string, unknown> = {};
      for (const schema of schemas) {
        const found = await findTablesWithoutTenantIsolation(pool, schema);
        if (found.length > 0) gaps[schema] = found;
      }
      expect(gaps).toEqual({});
    } finally {
      await pool.end();
    }
  });

  it('does fail on a tenant table without forced RLS (the check is not vacuous)', async () => {
    const pool = createPool({ url: stack().database.adminUrl, applicationName: 'e2e-schema-check', max: 1 });
    try {
      await pool.query('CREATE SCHEMA e2e_probe');
      await pool.query('CREATE TABLE e2e_probe.leaky (id uuid PRIMARY KEY, tenant_id uuid NOT NULL)');
      expect(await findTablesWithoutTenantIsolation(pool, 'e2e_probe')).toEqual([
        { table: 'leaky', problems: ['rls_not_enabled', 'rls_not_forced', 'no_policy'] },
      ]);
    } finally {
      await pool.query('DROP SCHEMA IF EXISTS e2e_probe CASCADE');
      await pool.end();
    }
  });
});
