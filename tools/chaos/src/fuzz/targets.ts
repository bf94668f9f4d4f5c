// The three HTTP ingresses a stranger can reach, each as a generator of requests: the api (every
// operation of its own OpenAPI document), the gateway's WhatsApp webhook (Meta's payloads, signed
// and not, mutated), and records' release page (/r/<token> and its forms). A target also says which
// answers break its contract beyond "no 5xx".
import { createHmac } from 'node:crypto';
import { z } from 'zod';
import type { Rng } from './rng';
import { type Json, type Schema, fromSchema, hostileJson, hostileString, mutate, randomText } from './values';

export interface FuzzRequest {
  method: string;
  /** Path and query, percent-encoded as sent. */
  path: string;
  headers: Record<string, string>;
  body?: Buffer;
  /** What was aimed at (an operationId or a route), for the report: never the generated values. */
  label: string;
}

export interface FuzzResponse {
  status: number;
  contentType: string;
  body: string;
}

export interface FuzzTarget {
  name: string;
  baseUrl: string;
  generate(rng: Rng): FuzzRequest;
  /** A contract breach other than a 5xx (which every target counts), or undefined. */
  check?(request: FuzzRequest, response: FuzzResponse): string | undefined;
}

const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'] as const;
const ODD_CONTENT_TYPES = [
  'text/plain',
  'application/x-www-form-urlencoded',
  'application/xml',
  'multipart/form-data; boundary=zzz',
  'application/json; charset=utf-16',
  '',
] as const;

function jsonBody(value: Json): Buffer {
  return Buffer.from(JSON.stringify(value), 'utf8');
}

/** Bytes that are not what the content type says: truncated JSON, binary, or nothing. */
function brokenBody(rng: Rng, valid: Buffer): Buffer {
  switch (rng.int(0, 3)) {
    case 0:
      return valid.subarray(0, rng.int(0, Math.max(0, valid.length - 1)));
    case 1:
      return Buffer.from(Array.from({ length: rng.int(1, 256) }, () => rng.int(0, 255)));
    case 2:
      return Buffer.alloc(0);
    default:
      return Buffer.from(randomText(rng, rng.int(1, 64)), 'utf8');
  }
}

/** Percent-encoding that survives lone surrogates (sent as U+FFFD, as a browser would). */
function encode(text: string): string {
  return encodeURIComponent(text.replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD'));
}

/** A path segment: mostly plausible ids, sometimes hostile (encoded so the URL stays a URL). */
function segment(rng: Rng, schema: Schema | undefined, resolve: (ref: string) => Schema | undefined): string {
  const value = rng.chance(0.7) && schema !== undefined ? fromSchema(rng, schema, resolve, 0.1) : hostileString(rng);
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return encode(text === '' ? 'x' : text);
}

// --- api -------------------------------------------------------------------------------------------

const parameterSchema = z.object({
  name: z.string(),
  in: z.enum(['path', 'query', 'header', 'cookie']),
  required: z.boolean().optional(),
  schema: z.unknown().optional(),
});

const operationSchema = z.object({
  operationId: z.string(),
  parameters: z.array(parameterSchema).optional(),
  requestBody: z
    .object({ content: z.record(z.string(), z.object({ schema: z.unknown().optional() })) })
    .optional(),
});

const openApiSchema = z.object({
  paths: z.record(z.string(), z.record(z.string(), z.unknown())),
  components: z.object({ schemas: z.record(z.string(), z.unknown()).optional() }).optional(),
});

interface ApiOperation {
  method: string;
  path: string;
  operation: z.infer<typeof operationSchema>;
}

/**
 * Probes and metrics: not an ingress (a cluster does not route them from outside), and /readyz
 * answers 503 by design while a dependency is slow.
 */
const OPS_PATHS = new Set(['/healthz', '/readyz', '/metrics']);

/** Every operation of an OpenAPI document (methods other than HTTP verbs, and the ops routes, ignored). */
export function apiOperations(document: unknown): { operations: ApiOperation[]; resolve: (ref: string) => Schema | undefined } {
  const parsed = openApiSchema.parse(document);
  const operations: ApiOperation[] = [];
  for (const [path, item] of Object.entries(parsed.paths)) {
    if (OPS_PATHS.has(path)) continue;
    for (const [method, value] of Object.entries(item)) {
      if (!(METHODS as readonly string[]).includes(method.toUpperCase())) continue;
      operations.push({ method: method.toUpperCase(), path, operation: operationSchema.parse(value) });
    }
  }
  const components = parsed.components?.schemas ?? {};
  const resolve = (ref: string): Schema | undefined => {
    const name = /^#\/components\/schemas\/(.+)$/.exec(ref)?.[1];
    return name === undefined ? undefined : (components[name] as Schema | undefined);
  };
  return { operations, resolve };
}

export interface ApiTargetOptions {
  baseUrl: string;
  /** The api's OpenAPI document (as served at /openapi.json). */
  openapi: unknown;
  /** Bearer tokens of the seeded hospital (all roles, so that inputs reach the handlers). */
  tokens: readonly string[];
}

function multipartBody(rng: Rng, boundary: string): Buffer {
  const parts: Buffer[] = [];
  for (let i = rng.int(0, 3); i > 0; i -= 1) {
    const name = rng.pick(['file', 'title', 'kind', hostileString(rng)]);
    const filename = rng.chance(0.5) ? `; filename="${rng.pick(['a.pdf', 'x.png', '../../e', hostileString(rng)])}"` : '';
    const type = rng.chance(0.5) ? `\r\nContent-Type: ${rng.pick(['application/pdf', 'image/png', 'text/html', 'x/y'])}` : '';
    const content = rng.chance(0.3)
      ? Buffer.concat([Buffer.from('%PDF-1.7\n'), Buffer.from(randomText(rng, rng.int(0, 200)))])
      : Buffer.from(Array.from({ length: rng.int(0, 300) }, () => rng.int(0, 255)));
    parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${name}"${filename}${type}\r\n\r\n`), content, Buffer.from('\r\n'));
  }
  if (rng.chance(0.8)) parts.push(Buffer.from(`--${boundary}--\r\n`));
  return Buffer.concat(parts);
}

export function apiTarget(options: ApiTargetOptions): FuzzTarget {
  const { operations, resolve } = apiOperations(options.openapi);
  if (operations.length === 0) throw new Error('the OpenAPI document declares no operations');
  return {
    name: 'api',
    baseUrl: options.baseUrl,
    generate(rng) {
      const { method: declared, path: template, operation } = rng.pick(operations);
      const parameters = operation.parameters ?? [];
      const path = template.replace(/\{([^}]+)\}/g, (_match, name: string) =>
        segment(rng, parameters.find((p) => p.in === 'path' && p.name === name)?.schema as Schema | undefined, resolve),
      );
      const query = new URLSearchParams();
      const headers: Record<string, string> = {};
      for (const parameter of parameters) {
        if (parameter.in === 'path' || parameter.in === 'cookie') continue;
        if (!(parameter.required === true || rng.chance(0.5))) continue;
        const value = fromSchema(rng, parameter.schema ?? {}, resolve, 0.15);
        const text = typeof value === 'string' ? value : JSON.stringify(value);
        if (parameter.in === 'query') query.append(parameter.name, text);
        // header values cannot carry control characters at all: fetch would refuse to send them
        else headers[parameter.name] = text.replace(/[^\x20-\x7e]/g, '?');
      }
      if (rng.chance(0.05)) query.append(hostileString(rng), hostileString(rng));
      const roll = rng.next();
      if (roll < 0.85) headers.authorization = `Bearer ${rng.pick(options.tokens)}`;
      else if (roll < 0.92) headers.authorization = `Bearer ${randomText(rng, rng.int(0, 300)).replace(/[^\x21-\x7e]/g, 'x')}`;
      else if (roll < 0.95) headers.authorization = rng.pick(['Basic YTpi', 'Bearer', 'bearer  x.y.z', 'Bearer eyJhbGciOiJub25lIn0.e30.']);

      // Mostly the declared method; sometimes another (a 404/405 must still be a clean refusal).
      const method = rng.chance(0.95) ? declared : rng.pick(METHODS);
      let body: Buffer | undefined;
      const content = operation.requestBody?.content ?? {};
      const [mediaType, media] = Object.entries(content)[0] ?? [];
      if (method !== 'GET' && method !== 'HEAD' && (mediaType !== undefined || rng.chance(0.1))) {
        if (mediaType?.startsWith('multipart/') === true && rng.chance(0.8)) {
          const boundary = `----careline${rng.int(0, 1e9)}`;
          headers['content-type'] = `multipart/form-data; boundary=${boundary}`;
          body = multipartBody(rng, boundary);
        } else {
          const valid = jsonBody(fromSchema(rng, (media?.schema ?? {}), resolve, 0.1));
          const mangle = rng.next();
          headers['content-type'] =
            mangle < 0.9 ? (mediaType?.includes('json') === true ? mediaType : 'application/json') : rng.pick(ODD_CONTENT_TYPES);
          body = mangle < 0.85 ? valid : brokenBody(rng, valid);
          if (headers['content-type'] === '') delete headers['content-type'];
        }
      }
      const search = query.toString();
      return {
        method,
        path: search === '' ? path : `${path}?${search}`,
        headers,
        ...(body === undefined ? {} : { body }),
        label: `${declared} ${template}${method === declared ? '' : ` as ${method}`}`,
      };
    },
    check(request, response) {
      // "Bad input always gets a clear error": every refusal is problem+json with a stable code.
      if (response.status < 400 || response.status >= 500 || request.method === 'HEAD') return undefined;
      if (!response.contentType.startsWith('application/problem+json')) {
        return `${response.status} without application/problem+json (${response.contentType || 'no content type'})`;
      }
      try {
        const problem = JSON.parse(response.body) as { code?: unknown };
        return typeof problem.code === 'string' && problem.code !== '' ? undefined : `${response.status} problem without a code`;
      } catch {
        return `${response.status} problem that is not JSON`;
      }
    },
  };
}

// --- the gateway's webhook -------------------------------------------------------------------------

export interface WebhookTargetOptions {
  /** The gateway's base URL; the webhook is `/webhooks/whatsapp`. */
  baseUrl: string;
  appSecret: string;
  phoneNumberId: string;
  displayPhoneNumber: string;
  wabaId: string;
}

function digits(rng: Rng, length: number): string {
  return Array.from({ length }, (_, i) => String(i === 0 ? rng.int(1, 9) : rng.int(0, 9))).join('');
}

/** A well-formed notification of one inbound message, status or preference change, as Meta sends it. */
export function metaNotification(rng: Rng, options: WebhookTargetOptions): Json {
  const waId = digits(rng, rng.int(10, 13));
  const timestamp = String(1_760_000_000 + rng.int(0, 10_000_000));
  const metadata = { display_phone_number: options.displayPhoneNumber, phone_number_id: options.phoneNumberId };
  const wamid = `wamid.${Buffer.from(digits(rng, 24)).toString('base64')}`;
  const kinds: Json[] = [
    {
      messaging_product: 'whatsapp',
      metadata,
      contacts: [{ profile: { name: randomText(rng, rng.int(1, 20)) }, wa_id: waId }],
      messages: [{ from: waId, id: wamid, timestamp, type: 'text', text: { body: randomText(rng, rng.int(1, 200)) } }],
    },
    {
      messaging_product: 'whatsapp',
      metadata,
      contacts: [{ profile: { name: 'x' }, wa_id: waId }],
      messages: [
        {
          from: waId,
          id: wamid,
          timestamp,
          type: 'interactive',
          interactive: { type: 'button_reply', button_reply: { id: randomText(rng, 20), title: 'Confirm' } },
        },
      ],
    },
    {
      messaging_product: 'whatsapp',
      metadata,
      contacts: [{ profile: { name: 'x' }, wa_id: waId }],
      messages: [{ from: waId, id: wamid, timestamp, type: 'image', image: { id: digits(rng, 15), mime_type: 'image/jpeg', sha256: 'x' } }],
    },
    {
      messaging_product: 'whatsapp',
      metadata,
      statuses: [
        {
          id: wamid,
          status: rng.pick(['sent', 'delivered', 'read', 'failed']),
          timestamp,
          recipient_id: waId,
          errors: [{ code: 131026, title: 'Message undeliverable' }],
        },
      ],
    },
  ];
  return {
    object: 'whatsapp_business_account',
    entry: [{ id: options.wabaId, changes: [{ field: 'messages', value: rng.pick(kinds) }] }],
  };
}

export function webhookTarget(options: WebhookTargetOptions): FuzzTarget {
  const sign = (body: Buffer) => `sha256=${createHmac('sha256', options.appSecret).update(body).digest('hex')}`;
  return {
    name: 'webhook',
    baseUrl: options.baseUrl,
    generate(rng) {
      if (rng.chance(0.1)) {
        // Meta's verification handshake, with whatever a stranger puts in the query.
        const query = new URLSearchParams();
        for (const name of ['hub.mode', 'hub.verify_token', 'hub.challenge']) {
          if (rng.chance(0.8)) query.append(name, rng.chance(0.5) ? hostileString(rng) : randomText(rng, rng.int(0, 40)));
        }
        return { method: 'GET', path: `/webhooks/whatsapp?${query.toString()}`, headers: {}, label: 'GET /webhooks/whatsapp' };
      }
      const valid = metaNotification(rng, options);
      const roll = rng.next();
      const document = roll < 0.15 ? valid : roll < 0.9 ? mutate(rng, valid) : hostileJson(rng);
      let body = jsonBody(document);
      if (rng.chance(0.05)) body = brokenBody(rng, body);
      const headers: Record<string, string> = { 'content-type': rng.chance(0.95) ? 'application/json' : rng.pick(ODD_CONTENT_TYPES) };
      if (headers['content-type'] === '') delete headers['content-type'];
      const signing = rng.next();
      // Mostly signed with the number's app secret, so that inputs get past the signature to the parser.
      if (signing < 0.8) headers['x-hub-signature-256'] = sign(body);
      else if (signing < 0.9) headers['x-hub-signature-256'] = sign(Buffer.concat([body, Buffer.from(' ')]));
      else if (signing < 0.95) headers['x-hub-signature-256'] = rng.pick(['sha256=', 'sha1=abc', 'sha256=zz', `sha256=${'0'.repeat(64)}`]);
      return { method: 'POST', path: '/webhooks/whatsapp', headers, body, label: 'POST /webhooks/whatsapp' };
    },
  };
}

// --- records' release page -------------------------------------------------------------------------

export interface ReleaseTargetOptions {
  /** records' base URL (the release page is `/r/<token>`). */
  baseUrl: string;
  /** Real share tokens, when the caller made some, so that inputs reach the forms behind them. */
  tokens?: readonly string[];
}

export function releaseTarget(options: ReleaseTargetOptions): FuzzTarget {
  const token = (rng: Rng): string => {
    if (options.tokens !== undefined && options.tokens.length > 0 && rng.chance(0.5)) return rng.pick(options.tokens);
    return encode(
      rng.pick([
        Buffer.from(Array.from({ length: 32 }, () => rng.int(0, 255))).toString('base64url'),
        hostileString(rng) || 'x',
        randomText(rng, rng.int(1, 600)),
      ]),
    );
  };
  return {
    name: 'release',
    baseUrl: options.baseUrl,
    generate(rng) {
      const step = rng.pick(['', '/dob', '/code', '/document', `/${encode(hostileString(rng) || 'x')}`]);
      const method = step === '/dob' || step === '/code' ? (rng.chance(0.9) ? 'POST' : rng.pick(METHODS)) : rng.chance(0.9) ? 'GET' : rng.pick(METHODS);
      const headers: Record<string, string> = {};
      let body: Buffer | undefined;
      if (method === 'POST' || method === 'PUT' || method === 'PATCH') {
        const form = new URLSearchParams();
        const field = step === '/code' ? 'code' : 'dob';
        const plausible = field === 'code' ? String(rng.int(0, 999_999)).padStart(6, '0') : `19${rng.int(10, 99)}-0${rng.int(1, 9)}-1${rng.int(0, 9)}`;
        if (rng.chance(0.9)) form.append(field, rng.chance(0.5) ? plausible : hostileString(rng));
        if (rng.chance(0.1)) form.append(field, hostileString(rng));
        if (rng.chance(0.1)) form.append(hostileString(rng), hostileString(rng));
        const encoded = Buffer.from(form.toString(), 'utf8');
        headers['content-type'] = rng.chance(0.85) ? 'application/x-www-form-urlencoded' : rng.pick(ODD_CONTENT_TYPES);
        if (headers['content-type'] === '') delete headers['content-type'];
        body = rng.chance(0.9) ? encoded : brokenBody(rng, encoded);
      }
      const query = step === '/document' && rng.chance(0.5) ? `?download=${encode(hostileString(rng))}` : '';
      return { method, path: `/r/${token(rng)}${step}${query}`, headers, ...(body === undefined ? {} : { body }), label: `${method} /r/:token${step.startsWith('/') && ['/dob', '/code', '/document', ''].includes(step) ? step : '/…'}` };
    },
  };
}
