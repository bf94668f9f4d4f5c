import { createHmac } from 'node:crypto';
import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRng, inputRng } from './rng';
import { formatReport, runFuzz, totalFailures } from './run';
import { type FuzzTarget, apiOperations, apiTarget, metaNotification, webhookTarget } from './targets';
import { type Json, type Schema, fromSchema, mutate } from './values';

const OPENAPI = {
  paths: {
    '/v1/things/{id}': {
      get: { operationId: 'getThing', parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string', format: 'uuid' } }] },
      post: {
        operationId: 'updateThing',
        parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }],
        requestBody: { content: { 'application/json': { schema: { $ref: '#/components/schemas/Thing' } } } },
      },
    },
    '/v1/things': { get: { operationId: 'listThings', parameters: [{ name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 5 } }] } },
  },
  components: {
    schemas: {
      Thing: {
        type: 'object',
        required: ['name', 'kind'],
        properties: {
          name: { type: 'string', minLength: 2, maxLength: 5 },
          kind: { enum: ['a', 'b'] },
          code: { type: 'string', pattern: '^\\d{8,15}$' },
          tags: { type: 'array', items: { type: 'string' }, maxItems: 2 },
        },
      },
    },
  },
};

describe('generators', () => {
  it('are reproducible from (seed, index) alone, and differ between indexes', () => {
    const a = Array.from({ length: 5 }, () => inputRng(7, 3).next());
    expect(new Set(a).size).toBe(1);
    expect(inputRng(7, 3).next()).not.toBe(inputRng(7, 4).next());
    const rng = createRng(1);
    const picks = Array.from({ length: 200 }, () => rng.int(1, 3));
    expect(new Set(picks)).toEqual(new Set([1, 2, 3]));
  });

  it('follow the schema when not asked to be hostile: required fields, enums, lengths, patterns', () => {
    const { resolve } = apiOperations(OPENAPI);
    for (let i = 0; i < 200; i += 1) {
      const value = fromSchema(inputRng(1, i), { $ref: '#/components/schemas/Thing' }, resolve, 0) as Record<string, Json>;
      expect(Object.keys(value)).toEqual(expect.arrayContaining(['name', 'kind']));
      expect(['a', 'b']).toContain(value.kind);
      expect(typeof value.name).toBe('string');
      expect((value.name as string).length).toBeGreaterThanOrEqual(2);
      expect((value.name as string).length).toBeLessThanOrEqual(5);
      if (value.code !== undefined) expect(value.code).toMatch(/^\d{8,15}$/);
      if (value.tags !== undefined) expect((value.tags as Json[]).length).toBeLessThanOrEqual(2);
    }
  });

  it('break the schema often when hostile', () => {
    const { resolve } = apiOperations(OPENAPI);
    const schema: Schema = { $ref: '#/components/schemas/Thing' };
    let broken = 0;
    for (let i = 0; i < 200; i += 1) {
      const value = fromSchema(inputRng(2, i), schema, resolve, 0.3);
      const thing = value as Record<string, Json> | null;
      if (thing === null || typeof thing !== 'object' || Array.isArray(thing) || !['a', 'b'].includes(thing.kind as string) || typeof thing.name !== 'string') broken += 1;
    }
    expect(broken).toBeGreaterThan(40);
    expect(broken).toBeLessThan(200);
  });

  it('mutate a copy, never the original document', () => {
    const original: Json = { a: { b: [1, 2, { c: 'd' }] }, e: 'f' };
    const frozen = JSON.stringify(original);
    const changed = Array.from({ length: 50 }, (_, i) => JSON.stringify(mutate(inputRng(3, i), original)));
    expect(JSON.stringify(original)).toBe(frozen);
    expect(changed.filter((text) => text !== frozen).length).toBeGreaterThan(40);
  });
});

describe('targets', () => {
  it('aim the api at declared operations, with every path parameter filled and a bearer token mostly', () => {
    const target = apiTarget({ baseUrl: 'http://x', openapi: OPENAPI, tokens: ['TOKEN'] });
    const requests = Array.from({ length: 300 }, (_, i) => target.generate(inputRng(4, i)));
    expect(requests.every((request) => request.path.startsWith('/v1/things'))).toBe(true);
    expect(requests.some((request) => request.path.includes('{'))).toBe(false);
    expect(new Set(requests.map((request) => request.label.split(' as ')[0]))).toEqual(
      new Set(['GET /v1/things/{id}', 'POST /v1/things/{id}', 'GET /v1/things']),
    );
    const authorised = requests.filter((request) => request.headers.authorization === 'Bearer TOKEN').length;
    expect(authorised / requests.length).toBeGreaterThan(0.7);
    expect(requests.every((request) => request.method !== 'GET' || request.body === undefined)).toBe(true);
  });

  it("sign most webhook bodies with the app secret over the exact bytes sent", () => {
    const options = { baseUrl: 'http://x', appSecret: 'secret-1234567890', phoneNumberId: '123456', displayPhoneNumber: '15550001111', wabaId: '777' };
    const target = webhookTarget(options);
    const posts = Array.from({ length: 300 }, (_, i) => target.generate(inputRng(5, i))).filter((request) => request.method === 'POST');
    const valid = posts.filter(
      (request) =>
        request.headers['x-hub-signature-256'] ===
        `sha256=${createHmac('sha256', options.appSecret).update(request.body ?? Buffer.alloc(0)).digest('hex')}`,
    );
    expect(valid.length / posts.length).toBeGreaterThan(0.7);
    expect(valid.length).toBeLessThan(posts.length);
    const notification = metaNotification(createRng(9), options) as { entry: { changes: { value: { metadata: unknown } }[] }[] };
    expect(notification.entry[0]?.changes[0]?.value.metadata).toEqual({ display_phone_number: '15550001111', phone_number_id: '123456' });
  });
});

describe('runFuzz', () => {
  let server: Server;
  let baseUrl: string;
  beforeAll(async () => {
    // 500 on /boom, a refusal without a problem body on /plain, a dropped connection on /drop
    server = createServer((request, response) => {
      if (request.url?.startsWith('/boom')) response.writeHead(500).end();
      else if (request.url?.startsWith('/plain')) response.writeHead(400, { 'content-type': 'text/plain' }).end('no');
      else if (request.url?.startsWith('/drop')) request.socket.destroy();
      else response.writeHead(400, { 'content-type': 'application/problem+json' }).end(JSON.stringify({ code: 'invalid_request' }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const target = (): FuzzTarget => {
    const paths = ['/ok', '/ok', '/ok', '/boom', '/plain', '/drop'];
    const api = apiTarget({ baseUrl, openapi: OPENAPI, tokens: ['t'] });
    return {
      name: 'toy',
      baseUrl,
      generate: (rng) => {
        const path = rng.pick(paths);
        return { method: 'GET', path, headers: {}, label: `GET ${path}` };
      },
      ...(api.check === undefined ? {} : { check: api.check }),
    };
  };

  it('counts every 5xx, broken connection and contract breach, keeping the index that replays each', async () => {
    const report = await runFuzz({ seed: 11, inputs: 120, targets: [target()], concurrency: 4, keepFailures: 3 });
    const [score] = report.scores;
    expect(score?.inputs).toBe(120);
    expect(score?.failures['5xx']).toBe(score?.byClass['5xx']);
    expect(score?.failures['5xx']).toBeGreaterThan(5);
    expect(score?.failures.contract).toBeGreaterThan(5);
    expect(score?.failures.transport).toBeGreaterThan(5);
    expect(totalFailures(report)).toBe((score?.failures['5xx'] ?? 0) + (score?.failures.contract ?? 0) + (score?.failures.transport ?? 0));
    // only the first few of each kind are kept, each replayable alone
    expect(report.failures.filter((failure) => failure.kind === '5xx')).toHaveLength(3);
    const first = report.failures.find((failure) => failure.kind === '5xx');
    const replay = await runFuzz({ seed: 11, inputs: 0, targets: [target()], only: { target: 'toy', index: first?.index ?? -1 } });
    expect(replay.failures).toEqual([expect.objectContaining({ kind: '5xx', index: first?.index, label: 'GET /boom' })]);
    expect(formatReport(report)).toContain('✗ 5xx toy#');
  });
});
