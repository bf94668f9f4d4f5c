/**
 * The Graph client against a real HTTP server on a loopback ephemeral port (node:http), so headers,
 * bodies, status codes, slow answers and refused connections are the real thing, not a fetch mock.
 */
import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import { type AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { OutboundValidationError } from '../errors.js';
import { buildTextMessage } from '../outbound/builders.js';
import { type GraphClient, createGraphClient } from './client.js';
import { GraphApiError } from './errors.js';

const TOKEN = 'EAAtestTOKEN0123456789secret';
const PHONE_ID = '106540352242922';

interface Seen {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

type Handler = (req: Seen, res: ServerResponse) => void;

let server: Server;
let baseUrl: string;
let handler: Handler;
const seen: Seen[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const request = {
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      };
      seen.push(request);
      handler(request, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterEach(() => {
  seen.length = 0;
});

afterAll(async () => {
  // Requests left hanging by the timeout tests must not keep the server open.
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

function client(overrides: Partial<Parameters<typeof createGraphClient>[0]> = {}): GraphClient {
  return createGraphClient({ baseUrl, version: 'v23.0', timeoutMs: 2000, ...overrides });
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

function metaError(code: number, extra: Record<string, unknown> = {}) {
  return {
    error: {
      message: `(#${code}) Something`,
      type: 'OAuthException',
      code,
      error_data: { messaging_product: 'whatsapp', details: 'details from Meta' },
      fbtrace_id: 'Az8or2yhqkZfEZ-_4Qn_Bam',
      ...extra,
    },
  };
}

async function failure(promise: Promise<unknown>): Promise<GraphApiError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(GraphApiError);
    const e = error as GraphApiError;
    // Wherever the error ends up (log line, JSON, stack), the token must not be in it.
    for (const text of [
      e.message,
      String(e),
      e.stack ?? '',
      JSON.stringify(e),
      e.details ?? '',
      e.title ?? '',
    ]) {
      expect(text).not.toContain(TOKEN);
    }
    return e;
  }
  throw new Error('expected a GraphApiError');
}

const hello = () => buildTextMessage({ to: '16505551234', body: 'Your appointment is confirmed' });

describe('sendMessage', () => {
  it('posts the body with the bearer token and returns wamid, wa_id and message_status', async () => {
    handler = (_req, res) =>
      json(res, 200, {
        messaging_product: 'whatsapp',
        contacts: [{ input: '16505551234', wa_id: '16505551234' }],
        messages: [
          { id: 'wamid.HBgLMTY1MDM4Nzk0MzkVAgARGBJCOTY3NDc0NDFDRUI3NTA0Q0UA', message_status: 'accepted' },
        ],
      });
    const result = await client().sendMessage(PHONE_ID, TOKEN, hello());
    expect(result).toEqual({
      wamid: 'wamid.HBgLMTY1MDM4Nzk0MzkVAgARGBJCOTY3NDc0NDFDRUI3NTA0Q0UA',
      waId: '16505551234',
      messageStatus: 'accepted',
    });
    expect(seen).toHaveLength(1);
    const [request] = seen;
    expect(request!.method).toBe('POST');
    expect(request!.url).toBe(`/v23.0/${PHONE_ID}/messages`);
    expect(request!.headers['authorization']).toBe(`Bearer ${TOKEN}`);
    expect(request!.headers['content-type']).toBe('application/json');
    expect(JSON.parse(request!.body)).toEqual(hello());
  });

  it('accepts a response without contacts or message_status (many examples omit them)', async () => {
    handler = (_req, res) => json(res, 200, { messages: [{ id: 'wamid.X' }] });
    expect(await client({ baseUrl: `${baseUrl}/` }).sendMessage(PHONE_ID, TOKEN, hello())).toEqual({
      wamid: 'wamid.X',
      waId: undefined,
      messageStatus: undefined,
    });
    expect(seen[0]!.url).toBe(`/v23.0/${PHONE_ID}/messages`);
  });

  it.each([
    // [http, code, subcode, kind, retryable]
    [400, 130429, 2494055, 'throughput', true],
    [400, 131056, undefined, 'pair_rate', true],
    [500, 131000, undefined, 'transient', true],
    [503, 131016, undefined, 'transient', true],
    [500, 131057, undefined, 'transient', true],
    [400, 131047, undefined, 'window', false],
    [400, 131050, undefined, 'opted_out', false],
    [400, 131026, undefined, 'recipient', false],
    [400, 100, undefined, 'invalid_request', false],
    [400, 131008, undefined, 'invalid_request', false],
    [400, 131009, undefined, 'invalid_request', false],
    [400, 131051, undefined, 'invalid_request', false],
    [400, 132000, undefined, 'template', false],
    [404, 132001, undefined, 'template', false],
    [400, 132015, undefined, 'template', false],
    [400, 133010, undefined, 'account', false],
    [403, 10, undefined, 'account', false],
    [403, 200, undefined, 'account', false],
    [401, 0, undefined, 'auth', false],
    [401, 190, 463, 'auth', false],
    [400, 4, undefined, 'rate_limit', true],
    [400, 987654, undefined, 'unknown', false],
    [502, 987654, undefined, 'unknown', true],
  ] as const)(
    'HTTP %i code %i subcode %s → %s (retryable %s)',
    async (http, code, subcode, kind, retryable) => {
      handler = (_req, res) =>
        json(res, http, metaError(code, subcode === undefined ? {} : { error_subcode: subcode }));
      const e = await failure(client().sendMessage(PHONE_ID, TOKEN, hello()));
      expect(e).toMatchObject({
        operation: 'sendMessage',
        httpStatus: http,
        code,
        subcode,
        kind,
        retryable,
        details: 'details from Meta',
        fbtraceId: 'Az8or2yhqkZfEZ-_4Qn_Bam',
      });
      expect(e.message).toContain(`code ${code}`);
    },
  );

  it('keeps Meta text that echoes the token or a phone number out of the error', async () => {
    handler = (_req, res) =>
      json(res, 401, {
        error: {
          message: `Invalid OAuth access token - Cannot parse access token ${TOKEN}`,
          code: 190,
          error_data: { details: `Recipient +1 650 555 1234 / ${TOKEN}` },
        },
      });
    const e = await failure(client().sendMessage(PHONE_ID, TOKEN, hello()));
    expect(e.title).toContain('[redacted]');
    expect(e.details).toBe('Recipient [number] / [redacted]');
  });

  it('maps error bodies that are not Graph errors by HTTP status', async () => {
    handler = (_req, res) => {
      res.writeHead(502, { 'content-type': 'text/html' });
      res.end('<html>Bad gateway</html>');
    };
    expect(await failure(client().sendMessage(PHONE_ID, TOKEN, hello()))).toMatchObject({
      kind: 'transient',
      retryable: true,
      httpStatus: 502,
      code: undefined,
    });
    handler = (_req, res) => json(res, 401, { nope: true });
    expect(await failure(client().sendMessage(PHONE_ID, TOKEN, hello()))).toMatchObject({
      kind: 'auth',
      retryable: false,
    });
    handler = (_req, res) => json(res, 429, {});
    expect(await failure(client().sendMessage(PHONE_ID, TOKEN, hello()))).toMatchObject({
      kind: 'throughput',
      retryable: true,
    });
    handler = (_req, res) => json(res, 400, 'bad');
    expect(await failure(client().sendMessage(PHONE_ID, TOKEN, hello()))).toMatchObject({
      kind: 'unexpected_response',
      retryable: false,
    });
  });

  it('a 200 it cannot read is unexpected_response and not retryable (Meta may have accepted it)', async () => {
    handler = (_req, res) => json(res, 200, { messages: [] });
    expect(await failure(client().sendMessage(PHONE_ID, TOKEN, hello()))).toMatchObject({
      kind: 'unexpected_response',
      retryable: false,
    });
  });

  it('a slow answer times out as a retryable transient error', async () => {
    handler = () => {
      // never answers
    };
    const started = Date.now();
    const e = await failure(client({ timeoutMs: 150 }).sendMessage(PHONE_ID, TOKEN, hello()));
    expect(e).toMatchObject({ kind: 'transient', retryable: true, reason: 'timeout', httpStatus: undefined });
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('a body that stalls half-way also times out', async () => {
    handler = (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"messages":[');
    };
    expect(await failure(client({ timeoutMs: 150 }).sendMessage(PHONE_ID, TOKEN, hello()))).toMatchObject({
      kind: 'transient',
      retryable: true,
      reason: 'timeout',
    });
  });

  it('a refused connection is a retryable network error', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const e = await failure(
      client({ baseUrl: `http://127.0.0.1:${port}` }).sendMessage(PHONE_ID, TOKEN, hello()),
    );
    expect(e).toMatchObject({ kind: 'transient', retryable: true, reason: 'network error' });
  });

  it('sends nothing when the body, the phone number id or the token is invalid', async () => {
    handler = (_req, res) => json(res, 200, { messages: [{ id: 'wamid.X' }] });
    const invalid = { ...hello(), text: { body: 'x'.repeat(5000) } };
    await expect(client().sendMessage(PHONE_ID, TOKEN, invalid)).rejects.toBeInstanceOf(
      OutboundValidationError,
    );
    expect(await failure(client().sendMessage('../me', TOKEN, hello()))).toMatchObject({
      kind: 'invalid_request',
    });
    const badToken = `${TOKEN}\r\nX-Injected: 1`;
    const e = await failure(client().sendMessage(PHONE_ID, badToken, hello()));
    expect(e).toMatchObject({ kind: 'auth', retryable: false });
    expect(String(e)).not.toContain('X-Injected');
    expect(seen).toHaveLength(0);
  });

  it('refuses a configuration it cannot use', () => {
    expect(() => createGraphClient({ baseUrl: 'ftp://x', version: 'v23.0', timeoutMs: 1000 })).toThrow();
    expect(() => createGraphClient({ baseUrl, version: '23', timeoutMs: 1000 })).toThrow();
    expect(() => createGraphClient({ baseUrl, version: 'v23.0', timeoutMs: 0 })).toThrow();
  });

  it('uses the fetch it is given', async () => {
    handler = (_req, res) => json(res, 200, { messages: [{ id: 'wamid.Y' }] });
    const calls: string[] = [];
    const counting: typeof fetch = (input, init) => {
      calls.push(typeof input === 'string' ? input : input instanceof URL ? input.href : input.url);
      return fetch(input, init);
    };
    await client({ fetch: counting }).sendMessage(PHONE_ID, TOKEN, hello());
    expect(calls).toEqual([`${baseUrl}/v23.0/${PHONE_ID}/messages`]);
  });
});

describe('markRead', () => {
  it('posts status read with a typing indicator and expects success', async () => {
    handler = (_req, res) => json(res, 200, { success: true });
    await client().markRead(PHONE_ID, TOKEN, 'wamid.IN', { typingIndicator: true });
    expect(JSON.parse(seen[0]!.body)).toEqual({
      messaging_product: 'whatsapp',
      status: 'read',
      message_id: 'wamid.IN',
      typing_indicator: { type: 'text' },
    });
    expect(seen[0]!.headers['authorization']).toBe(`Bearer ${TOKEN}`);
  });

  it('success false is an unexpected response', async () => {
    handler = (_req, res) => json(res, 200, { success: false });
    expect(await failure(client().markRead(PHONE_ID, TOKEN, 'wamid.IN'))).toMatchObject({
      kind: 'unexpected_response',
    });
  });
});

describe('media', () => {
  const file = Buffer.from('%PDF-1.4 result');

  function mediaServer(): Handler {
    return (req, res) => {
      if (req.url.startsWith('/v23.0/4490709327384033')) {
        json(res, 200, {
          messaging_product: 'whatsapp',
          url: `${baseUrl}/files/abc?ext=1`,
          mime_type: 'application/pdf',
          sha256: 'deadbeef',
          file_size: file.length,
          id: '4490709327384033',
        });
      } else if (req.url.startsWith('/files/abc')) {
        if (req.headers['authorization'] !== `Bearer ${TOKEN}`) {
          json(res, 401, metaError(190));
          return;
        }
        res.writeHead(200, { 'content-type': 'application/pdf', 'content-length': String(file.length) });
        res.end(file);
      } else {
        json(res, 404, metaError(100));
      }
    };
  }

  it('getMedia returns url, type, hash and size; downloadMedia fetches the bytes with the bearer token', async () => {
    handler = mediaServer();
    const info = await client().getMedia('4490709327384033', TOKEN, { phoneNumberId: PHONE_ID });
    expect(info).toEqual({
      url: `${baseUrl}/files/abc?ext=1`,
      mimeType: 'application/pdf',
      sha256: 'deadbeef',
      fileSize: file.length,
    });
    expect(seen[0]!.url).toBe(`/v23.0/4490709327384033?phone_number_id=${PHONE_ID}`);
    expect(seen[0]!.method).toBe('GET');
    const media = await client().downloadMedia(info.url, TOKEN);
    expect(Buffer.from(media.bytes).equals(file)).toBe(true);
    expect(media.contentType).toBe('application/pdf');
    expect(seen[1]!.headers['authorization']).toBe(`Bearer ${TOKEN}`);
  });

  it('a download without the right token fails as auth', async () => {
    handler = mediaServer();
    expect(await failure(client().downloadMedia(`${baseUrl}/files/abc`, 'EAAwrong'))).toMatchObject({
      kind: 'auth',
      httpStatus: 401,
    });
  });

  it('refuses downloads over the size limit, declared or streamed', async () => {
    handler = mediaServer();
    expect(
      await failure(client({ maxMediaBytes: 4 }).downloadMedia(`${baseUrl}/files/abc`, TOKEN)),
    ).toMatchObject({
      reason: 'media too large',
      retryable: false,
    });
    handler = (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/octet-stream' }); // chunked, no length
      res.write(Buffer.alloc(64));
      res.end(Buffer.alloc(64));
    };
    expect(
      await failure(client({ maxMediaBytes: 100 }).downloadMedia(`${baseUrl}/files/big`, TOKEN)),
    ).toMatchObject({
      reason: 'media too large',
    });
  });

  it('refuses a media id or url it must not call', async () => {
    expect(await failure(client().getMedia('12/../../me', TOKEN))).toMatchObject({ kind: 'invalid_request' });
    expect(await failure(client().downloadMedia('file:///etc/passwd', TOKEN))).toMatchObject({
      kind: 'invalid_request',
    });
    expect(seen).toHaveLength(0);
  });

  it('accepts file_size as a string, as some responses send it', async () => {
    handler = (_req, res) =>
      json(res, 200, {
        url: `${baseUrl}/f`,
        mime_type: 'image/jpeg',
        sha256: 'h',
        file_size: '303833',
        id: '1',
      });
    expect((await client().getMedia('1', TOKEN)).fileSize).toBe(303833);
  });
});

describe('listMessageTemplates', () => {
  const WABA_ID = '102290129340398';
  const template = (name: string) => ({
    id: '1234567890',
    name,
    language: 'es',
    status: 'APPROVED',
    category: 'UTILITY',
    components: [{ type: 'BODY', text: 'Hola {{1}}' }],
  });

  it('reads one page with the bearer token and returns the next cursor only when Meta sends `next`', async () => {
    handler = (req, res) =>
      json(res, 200, {
        data: [template('appointment_reminder')],
        paging: req.url.includes('after=')
          ? { cursors: { before: 'MA', after: 'MQ' } }
          : { cursors: { before: 'MA', after: 'MQ' }, next: `${baseUrl}/v23.0/${WABA_ID}/message_templates?after=MQ` },
      });
    const first = await client().listMessageTemplates(WABA_ID, TOKEN, { limit: 50 });
    expect(first).toEqual({
      templates: [
        {
          id: '1234567890',
          name: 'appointment_reminder',
          language: 'es',
          status: 'APPROVED',
          category: 'UTILITY',
          components: [{ type: 'BODY', text: 'Hola {{1}}' }],
          parameterFormat: undefined,
        },
      ],
      after: 'MQ',
    });
    expect(seen[0]).toMatchObject({ method: 'GET', url: `/v23.0/${WABA_ID}/message_templates?limit=50` });
    expect(seen[0]?.headers.authorization).toBe(`Bearer ${TOKEN}`);
    const last = await client().listMessageTemplates(WABA_ID, TOKEN, { after: 'MQ' });
    expect(last.after).toBeUndefined();
    expect(seen[1]?.url).toBe(`/v23.0/${WABA_ID}/message_templates?limit=100&after=MQ`);
  });

  it('refuses a WABA id that is not a Graph id without calling, and reports Meta errors without the token', async () => {
    await expect(client().listMessageTemplates('../me', TOKEN)).rejects.toBeInstanceOf(GraphApiError);
    expect(seen).toHaveLength(0);
    handler = (_req, res) => json(res, 400, metaError(100));
    const error = await client()
      .listMessageTemplates(WABA_ID, TOKEN)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GraphApiError);
    expect(String((error as Error).message)).not.toContain(TOKEN);
  });
});
