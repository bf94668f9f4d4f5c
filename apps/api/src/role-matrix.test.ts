// The role matrix: EVERY route of the api (read from its own OpenAPI document, so a new route is
// covered the day it is added) against EVERY role of @careline/auth, one role per token. What each
// cell must be comes from the permission table (PERMISSIONS), never from a list written here:
// a role the table grants the route's permission gets a success, any other role 403
// permission_denied and messaging is not called.
import { PERMISSIONS, type Permission, ROLES, type Role } from '@careline/auth';
import { type TestAuth, createTestAuth } from '@careline/auth/testing';
import { type Conversation } from '@careline/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { problemSchema } from './schemas/common';
import { type TestApp, buildTestApp, testConfig } from './testing/app';
import { type FakeMessaging, createFakeMessaging, sampleConversation, sampleMessage } from './testing/fake-messaging';

const METHODS = ['get', 'put', 'post', 'delete', 'patch'] as const;

const operationSchema = z.object({
  operationId: z.string(),
  security: z.array(z.record(z.string(), z.array(z.string()))).optional(),
  'x-careline-permission': z.string().optional(),
  requestBody: z.unknown().optional(),
});
const documentSchema = z.object({
  security: z.array(z.record(z.string(), z.array(z.string()))).optional(),
  paths: z.record(z.string(), z.partialRecord(z.enum(METHODS), operationSchema)),
});

/**
 * A valid body for each operation that takes one. An operation with a request body missing here
 * fails the matrix (the cell could not be told apart from a validation error otherwise).
 */
const EXAMPLE_BODIES: Record<string, unknown> = {
  sendText: { text: 'See you at 10', idempotencyKey: 'role-matrix' },
};

interface Cell {
  route: string;
  method: string;
  path: string;
  operationId: string;
  access: 'public' | 'authenticated' | Permission;
  hasBody: boolean;
}

let auth: TestAuth;
let fake: FakeMessaging;
let app: TestApp;
let conversation: Conversation;
let cells: Cell[];

function isPermission(value: string): value is Permission {
  return Object.hasOwn(PERMISSIONS, value);
}

beforeAll(async () => {
  auth = await createTestAuth();
  fake = createFakeMessaging();
  conversation = fake.add(sampleConversation({ tenantId: auth.tenantId }));
  fake.add(conversation, [sampleMessage({ conversationId: conversation.id })]);
  app = await buildTestApp(testConfig(), { verifier: auth.verifier, messaging: fake.client });
  const response = await app.http.app.inject({ method: 'GET', url: '/openapi.json' });
  const document = documentSchema.parse(response.json());
  cells = [];
  for (const [path, item] of Object.entries(document.paths)) {
    for (const method of METHODS) {
      const operation = item[method];
      if (operation === undefined) continue;
      const security = operation.security ?? document.security ?? [];
      const permission = operation['x-careline-permission'];
      if (permission !== undefined && !isPermission(permission)) throw new Error(`${path}: unknown permission ${permission}`);
      cells.push({
        route: `${method.toUpperCase()} ${path}`,
        method: method.toUpperCase(),
        path,
        operationId: operation.operationId,
        access: permission ?? (security.length === 0 ? 'public' : 'authenticated'),
        hasBody: operation.requestBody !== undefined,
      });
    }
  }
});

afterAll(() => app.close());

function urlOf(path: string): string {
  // every path parameter of the api is a conversation id today; another would get this id and
  // fail the allowed cells loudly (404), never pass silently
  return path.replace(/\{[A-Za-z0-9_]+\}/g, conversation.id);
}

function allowed(role: Role, access: Cell['access']): boolean {
  if (access === 'public' || access === 'authenticated') return true;
  return PERMISSIONS[access].includes(role);
}

describe('role matrix (every route × every role, from the permission table)', () => {
  it('reads the routes from the OpenAPI document, protected ones included', () => {
    const protectedRoutes = cells.filter((cell) => cell.access !== 'public' && cell.access !== 'authenticated');
    expect(protectedRoutes.length).toBeGreaterThanOrEqual(4);
    expect(cells.map((cell) => cell.route)).toEqual(
      expect.arrayContaining(['GET /v1/conversations', 'POST /v1/conversations/{id}/messages', 'GET /v1/me']),
    );
  });

  it.each(ROLES.map((role) => ({ role })))('$role gets exactly what the permission table grants on every route', async ({ role }) => {
    const token = await auth.mint({ roles: [role] });
    const results: Record<string, { expected: 'allowed' | 'forbidden'; status: number }> = {};
    for (const cell of cells) {
      if (cell.hasBody && !(cell.operationId in EXAMPLE_BODIES)) {
        throw new Error(`no example body for ${cell.operationId}: add one to EXAMPLE_BODIES`);
      }
      const callsBefore = fake.calls.length;
      const response = await app.http.app.inject({
        method: cell.method as 'GET' | 'POST',
        url: urlOf(cell.path),
        headers: { authorization: `Bearer ${token}` },
        ...(cell.hasBody ? { payload: EXAMPLE_BODIES[cell.operationId] as Record<string, unknown> } : {}),
      });
      const expected = allowed(role, cell.access) ? 'allowed' : 'forbidden';
      results[cell.route] = { expected, status: response.statusCode };
      if (expected === 'forbidden') {
        expect(response.statusCode, `${role} on ${cell.route}`).toBe(403);
        expect(problemSchema.parse(response.json()), `${role} on ${cell.route}`).toMatchObject({
          code: 'permission_denied',
          details: { permission: cell.access },
        });
        expect(fake.calls.length, `${role} on ${cell.route} must not reach messaging`).toBe(callsBefore);
      } else if (cell.access === 'public') {
        // ops and docs routes: whatever they answer (/readyz may be 503 here), never a refusal
        expect([401, 403], `${role} on ${cell.route}`).not.toContain(response.statusCode);
      } else {
        expect(response.statusCode, `${role} on ${cell.route}: ${response.body}`).toBeGreaterThanOrEqual(200);
        expect(response.statusCode, `${role} on ${cell.route}: ${response.body}`).toBeLessThan(300);
      }
    }
    // every documented route was tried for this role
    expect(Object.keys(results).sort()).toEqual(cells.map((cell) => cell.route).sort());
  });

});
