// The OpenAPI document is generated, so these tests check what generation can get wrong: it must
// be valid OpenAPI 3.1 (the official schema), describe every route fastify serves (and nothing it
// does not), resolve every $ref, hold only JSON Schema 2020-12 that a strict validator compiles,
// and describe the responses the api really sends.
import { Validator } from '@seriousme/openapi-schema-validator';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { createTestAuth } from '@careline/auth/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestApp, buildTestApp, testConfig } from '../testing/app';
import { createFakeMessaging, sampleConversation, sampleMessage } from '../testing/fake-messaging';

type Json = Record<string, unknown>;

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

let app: TestApp;
let document: Json;
let token: string;
let conversationId: string;

beforeAll(async () => {
  const auth = await createTestAuth();
  const fake = createFakeMessaging();
  const conversation = fake.add(sampleConversation({ tenantId: auth.tenantId }));
  fake.add(conversation, [
    sampleMessage({ conversationId: conversation.id }),
    sampleMessage({
      conversationId: conversation.id,
      content: { $case: 'location', value: { latitude: 1, longitude: 2, name: '', address: '' } },
    }),
  ]);
  conversationId = conversation.id;
  token = await auth.mint({ roles: ['nurse'] });
  // Dev auth on, so the document includes every route the api can serve.
  app = await buildTestApp(testConfig({ CARELINE_DEV_AUTH: 'true' }), {
    verifier: auth.verifier,
    messaging: fake.client,
  });
  const response = await app.http.app.inject({ method: 'GET', url: '/openapi.json' });
  expect(response.statusCode).toBe(200);
  expect(response.headers['content-type']).toMatch(/^application\/json/);
  document = response.json<Json>();
});

afterAll(() => app.close());

/** Every `METHOD path` fastify serves, read from its route tree (HEAD and CORS OPTIONS aside). */
function servedRoutes(): string[] {
  const tree = app.http.app.printRoutes({ commonPrefix: false });
  const stack: string[] = [];
  const routes: string[] = [];
  for (const line of tree.split('\n')) {
    const match = /^([│ ]*)[├└]── (\S+)(?: \(([A-Z, ]+)\))?$/.exec(line);
    if (!match) continue;
    const depth = (match[1] ?? '').length / 4;
    stack.length = depth;
    stack.push(match[2] ?? '');
    const path = stack.join('').replace(/:([A-Za-z0-9_]+)/g, '{$1}');
    for (const method of (match[3] ?? '').split(', ').filter((m) => m.length > 0)) {
      if (method === 'HEAD' || method === 'OPTIONS') continue;
      routes.push(`${method} ${path}`);
    }
  }
  return routes.sort();
}

function documentedRoutes(): string[] {
  const paths = document['paths'] as Record<string, Json>;
  return Object.entries(paths)
    .flatMap(([path, item]) =>
      Object.keys(item)
        .filter((key) => METHODS.includes(key))
        .map((method) => `${method.toUpperCase()} ${path}`),
    )
    .sort();
}

function walk(value: unknown, visit: (node: Json) => void): void {
  if (Array.isArray(value)) value.forEach((item) => walk(item, visit));
  else if (value !== null && typeof value === 'object') {
    visit(value as Json);
    Object.values(value).forEach((item) => walk(item, visit));
  }
}

function resolvePointer(pointer: string): unknown {
  expect(pointer.startsWith('#/')).toBe(true);
  return pointer
    .slice(2)
    .split('/')
    .map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce<unknown>(
      (node, key) => (node !== null && typeof node === 'object' ? (node as Json)[key] : undefined),
      document,
    );
}

/** A strict JSON Schema 2020-12 validator that knows the document's components by URN. */
function schemaCompiler() {
  const ajv = new Ajv2020({ strict: true, allErrors: true });
  addFormats(ajv);
  const toUrn = (schema: unknown): unknown =>
    JSON.parse(
      JSON.stringify(schema).replace(/"#\/components\/schemas\/([^"]+)"/g, '"urn:careline:schema:$1"'),
    );
  const components = (document['components'] as { schemas: Record<string, Json> }).schemas;
  for (const [name, schema] of Object.entries(components)) {
    ajv.addSchema({ ...(toUrn(schema) as Json), $id: `urn:careline:schema:${name}` });
  }
  return { compile: (schema: unknown) => ajv.compile(toUrn(schema) as Json), components };
}

describe('GET /openapi.json', () => {
  it('is a valid OpenAPI 3.1 document (official schema, 2020-12 dialect)', async () => {
    expect(document['openapi']).toBe('3.1.0');
    expect(document['jsonSchemaDialect']).toBe('https://json-schema.org/draft/2020-12/schema');
    const result = await new Validator().validate(document);
    expect(result.errors).toBeUndefined();
    expect(result.valid).toBe(true);
  });

  it('documents every route fastify serves, with its methods, and no route it does not serve', () => {
    const served = servedRoutes();
    expect(served).toContain('POST /v1/conversations/{id}/messages');
    expect(documentedRoutes()).toEqual(served);
  });

  it('describes every tag an operation uses', () => {
    const doc = document as { tags: { name: string; description: string }[]; paths: Record<string, Record<string, { tags?: string[] }>> };
    const used = new Set(Object.values(doc.paths).flatMap((item) => Object.values(item).flatMap((operation) => operation.tags ?? [])));
    expect(doc.tags.map((tag) => tag.name).sort()).toEqual([...used].sort());
    for (const tag of doc.tags) expect(tag.description, tag.name).not.toBe('');
  });

  it('resolves every $ref', () => {
    const refs: string[] = [];
    walk(document, (node) => {
      if (typeof node['$ref'] === 'string') refs.push(node['$ref']);
    });
    expect(refs.length).toBeGreaterThan(10);
    for (const ref of new Set(refs)) expect(resolvePointer(ref), ref).toBeDefined();
    // Each registered schema appears once (a second variant would mean the generator diverged).
    const names = Object.keys((document['components'] as { schemas: Json }).schemas);
    expect(names.filter((name) => /(Input|Output)$/.test(name))).toEqual([]);
    expect(names).toEqual(
      expect.arrayContaining(['Problem', 'Conversation', 'Message', 'MessageContent', 'SendTextRequest']),
    );
  });

  it('holds only schemas that a strict JSON Schema 2020-12 validator compiles', () => {
    const { compile, components } = schemaCompiler();
    for (const name of Object.keys(components))
      expect(() => compile({ $ref: `#/components/schemas/${name}` }), name).not.toThrow();
    const inline: unknown[] = [];
    walk(document['paths'], (node) => {
      if ('schema' in node && node['schema'] !== null && typeof node['schema'] === 'object')
        inline.push(node['schema']);
    });
    expect(inline.length).toBeGreaterThan(20);
    for (const schema of inline) expect(() => compile(schema), JSON.stringify(schema)).not.toThrow();
  });

  it('secures every /v1 route with the bearer JWT scheme, names its permission and documents its problems', () => {
    const schemes = (document['components'] as Json)['securitySchemes'] as Json;
    expect(schemes['bearerAuth']).toMatchObject({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' });
    const paths = document['paths'] as Record<string, Record<string, Json>>;
    for (const [path, item] of Object.entries(paths)) {
      for (const [method, operation] of Object.entries(item)) {
        const responses = operation['responses'] as Record<string, Json>;
        expect(responses['500'], `${method} ${path}`).toBeDefined();
        if (!path.startsWith('/v1/')) {
          expect(operation['security'], `${method} ${path}`).toEqual([]);
          continue;
        }
        expect(operation['security'], `${method} ${path}`).toEqual([{ bearerAuth: [] }]);
        expect(Object.keys(responses)).toEqual(expect.arrayContaining(['401', '503']));
        expect((responses['401']?.['content'] as Json)['application/problem+json']).toEqual({
          schema: { $ref: '#/components/schemas/Problem' },
        });
      }
    }
    const send = paths['/v1/conversations/{id}/messages']?.['post'] as Json;
    expect(send['x-careline-permission']).toBe('messages:send');
    expect(Object.keys(send['responses'] as Json)).toEqual([
      '202',
      '400',
      '401',
      '403',
      '404',
      '409',
      '500',
      '503',
    ]);
    expect(JSON.stringify((send['responses'] as Json)['409'])).toContain('window_closed');
    const parameters = (send['parameters'] as Json[]).map((p) => `${String(p['in'])}:${String(p['name'])}`);
    expect(parameters).toEqual(['path:id', 'header:idempotency-key']);
    const body = ((send['requestBody'] as Json)['content'] as Json)['application/json'] as Json;
    expect(body['schema']).toEqual({ $ref: '#/components/schemas/SendTextRequest' });
    const list = paths['/v1/conversations']?.['get'] as Json;
    // paging, then the inbox filters (schemas/inbox.ts)
    expect((list['parameters'] as Json[]).map((p) => p['name'])).toEqual(['limit', 'cursor', 'status', 'assignee', 'teamId', 'unread', 'patientId']);
  });

  it('describes the responses the api really sends', async () => {
    const { compile } = schemaCompiler();
    const paths = document['paths'] as Record<string, Record<string, Json>>;
    const schemaOf = (path: string, status: string, type = 'application/json') =>
      ((((paths[path]?.['get'] as Json)['responses'] as Json)[status] as Json)['content'] as Json)[
        type
      ] as Json;
    const auth = { authorization: `Bearer ${token}` };
    const cases: [string, string, string][] = [
      ['/v1/me', '/v1/me', '200'],
      ['/v1/conversations', '/v1/conversations', '200'],
      [`/v1/conversations/${conversationId}`, '/v1/conversations/{id}', '200'],
      [`/v1/conversations/${conversationId}/messages`, '/v1/conversations/{id}/messages', '200'],
      ['/v1/conversations?limit=0', '/v1/conversations', '400'],
      ['/v1/conversations/unknown', '/v1/conversations/{id}', '404'],
    ];
    for (const [url, path, status] of cases) {
      const response = await app.http.app.inject({ method: 'GET', url, headers: auth });
      expect(String(response.statusCode), url).toBe(status);
      const type = status.startsWith('2') ? 'application/json' : 'application/problem+json';
      const validate = compile(schemaOf(path, status, type)['schema']);
      expect(validate(response.json()), `${url}: ${JSON.stringify(validate.errors)}`).toBe(true);
    }
  });
});

describe('GET /docs', () => {
  it('serves a self-contained HTML page rendered from the document', async () => {
    const response = await app.http.app.inject({ method: 'GET', url: '/docs' });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(response.headers['content-security-policy']).toContain("default-src 'none'");
    const html = response.body;
    expect(html.startsWith('<!doctype html>')).toBe(true);
    // offline: nothing is loaded from anywhere
    expect(html).not.toMatch(/<script|<link|<img|<iframe|\ssrc=|url\(|@import/i);
    for (const route of documentedRoutes()) {
      const [method, path] = route.split(' ');
      expect(html, route).toContain(`${method}</span> <code>${path}</code>`);
    }
    expect(html).toContain('id="schema-Conversation"');
    expect(html).toContain('window_closed');
  });
});
