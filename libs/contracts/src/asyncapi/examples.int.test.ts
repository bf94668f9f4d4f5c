// The TypeScript examples of docs/integrators.md (docs/examples) compile against the current
// contracts, and do what the guide says: the consumer reads the envelope and decodes the payload
// of a real record (and refuses another topic's), the REST client sends the token, the
// idempotency key and a traceparent that continues the message's trace, and surfaces problems by code.
import { execFile } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { createRequire } from 'node:module';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SAMPLE_PAYLOADS, SAMPLE_TENANT_ID } from '../testing';
import { EVENTS, EVENT_KEYS } from '../topics';
import { REPO_ROOT } from './generate';

const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');

// docs/examples belongs to no project, so it is loaded by URL (a static import across projects is
// refused by the module-boundary rule) and typed from its source.
/* eslint-disable @typescript-eslint/consistent-type-imports -- see above */
type RestExample = typeof import('../../../../docs/examples/call-rest-api');
type ConsumerExample = typeof import('../../../../docs/examples/consume-patient-messages');
/* eslint-enable @typescript-eslint/consistent-type-imports */
const example = (file: string): Promise<unknown> => import(pathToFileURL(path.join(REPO_ROOT, 'docs/examples', file)).href);
const { CarelineApiError, carelineApi } = (await example('call-rest-api.ts')) as RestExample;
const { readPatientMessage, summary } = (await example('consume-patient-messages.ts')) as ConsumerExample;

describe('docs/examples', () => {
  it('typecheck against the current contracts', async () => {
    const result = await new Promise<{ code: number; output: string }>((resolve) => {
      execFile(
        process.execPath,
        [tsc, '-p', path.join(REPO_ROOT, 'docs/examples/tsconfig.json')],
        { timeout: 120_000 },
        (error, stdout, stderr) => resolve({ code: error ? 1 : 0, output: `${stdout}${stderr}` }),
      );
    });
    expect(result).toEqual({ code: 0, output: '' });
  }, 120_000);

  it('the consumer example reads a patient message record and only that', () => {
    const payload = SAMPLE_PAYLOADS.patientMessageReceived();
    const headers = {
      ce_specversion: Buffer.from('1.0'),
      ce_id: Buffer.from('5b0f5c1e-9d2a-4c1e-8f3b-7a8d6e5c4b3a'),
      ce_source: Buffer.from('/careline/ingest'),
      ce_type: Buffer.from(EVENTS.patientMessageReceived.type),
      ce_time: Buffer.from('2026-01-02T03:04:05.000Z'),
      ce_tenantid: Buffer.from(SAMPLE_TENANT_ID),
      traceparent: Buffer.from('00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01'),
      'content-type': Buffer.from('application/protobuf'),
    };
    const record = {
      headers,
      key: Buffer.from(EVENT_KEYS.patientMessageReceived(payload)),
      value: Buffer.from(EVENTS.patientMessageReceived.encode(payload)),
    };
    const event = readPatientMessage(record);
    // decoded from a Buffer, bytes fields are Buffers: compared as the bytes they encode to
    expect(Buffer.from(EVENTS.patientMessageReceived.encode(event!.payload))).toEqual(record.value);
    expect(event?.payload.messageId).toBe(payload.messageId);
    expect(event?.key).toBe(`${payload.tenantId}:${payload.waIdHash}`);
    expect(summary(event!)).toMatchObject({ messageId: payload.messageId, content: 'text', waIdHash: payload.waIdHash });
    expect(JSON.stringify(summary(event!))).not.toContain('ciphertext');

    const status = { ...record, headers: { ...headers, ce_type: Buffer.from(EVENTS.messageStatus.type) } };
    expect(readPatientMessage(status)).toBeUndefined();
  });

  describe('the REST example', () => {
    const requests: { method: string; url: string; headers: Record<string, string | string[] | undefined>; body: string }[] = [];
    const server = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk: Buffer) => (body += chunk.toString()));
      request.on('end', () => {
        requests.push({ method: request.method ?? '', url: request.url ?? '', headers: request.headers, body });
        if (request.method === 'POST' && body.includes('too late')) {
          response.writeHead(409, { 'content-type': 'application/problem+json' });
          response.end(JSON.stringify({ type: 'urn:careline:problem:window_closed', title: 'Window closed', status: 409, code: 'window_closed' }));
          return;
        }
        response.writeHead(request.method === 'POST' ? 202 : 200, { 'content-type': 'application/json' });
        const message = (id: string, traceId: string | null) => ({
          id,
          conversationId: 'c-1',
          direction: 'inbound',
          content: { type: 'text', text: 'Hello' },
          status: { state: 'received' },
          createdAt: '2026-01-02T03:04:05.000Z',
          traceId,
        });
        response.end(
          JSON.stringify(
            request.method === 'POST'
              ? message('m-2', '4bf92f3577b34da6a3ce929d0e0e4736')
              : { items: [message('m-1', '4bf92f3577b34da6a3ce929d0e0e4736')], nextCursor: null },
          ),
        );
      });
    });
    let baseUrl: string;

    beforeAll(async () => {
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });
    afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

    it('sends the token, the idempotency key and a traceparent continuing the message trace', async () => {
      const api = carelineApi(baseUrl, () => Promise.resolve('token-123'));
      const [message] = await api.messages('c-1');
      expect(message?.traceId).toBe('4bf92f3577b34da6a3ce929d0e0e4736');
      const reply = await api.reply('c-1', 'We will call you', { idempotencyKey: 'k-1', continueTraceOf: message });
      expect(reply.id).toBe('m-2');
      const post = requests.find((r) => r.method === 'POST');
      expect(post?.url).toBe('/v1/conversations/c-1/messages');
      expect(post?.headers).toMatchObject({ authorization: 'Bearer token-123', 'idempotency-key': 'k-1' });
      expect(post?.headers['traceparent']).toMatch(/^00-4bf92f3577b34da6a3ce929d0e0e4736-[0-9a-f]{16}-01$/);
      await expect(api.reply('c-1', 'too late', { idempotencyKey: 'k-2' })).rejects.toEqual(new CarelineApiError(409, 'window_closed'));
    });
  });
});
