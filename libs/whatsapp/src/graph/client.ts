/**
 * A small Graph API client for the Cloud API endpoints the gateway and ingest use. The base URL and
 * version are configuration so that the simulator (or any stand-in) can play Meta. Every failure is
 * a `GraphApiError` with a retry classification; tokens never appear in an error.
 */
import { z } from 'zod';
import { type SendMessageRequest } from '../outbound/schemas.js';
import { validateMarkRead, validateOutboundMessage } from '../outbound/builders.js';
import { GraphApiError, classifyGraphError, maskMetaText } from './errors.js';

const optionsSchema = z.object({
  baseUrl: z
    .string()
    .refine(
      (s) => URL.canParse(s) && /^https?:$/.test(new URL(s).protocol),
      'baseUrl must be an http(s) URL',
    ),
  version: z.string().regex(/^v[0-9]{1,3}\.[0-9]{1,2}$/, 'version must look like v23.0'),
  timeoutMs: z.number().int().positive().max(600_000),
  mediaTimeoutMs: z.number().int().positive().max(3_600_000).optional(),
  maxMediaBytes: z.number().int().positive().optional(),
});

export interface GraphClientOptions {
  /** e.g. `https://graph.facebook.com`, or the simulator's URL. */
  baseUrl: string;
  /** e.g. `v23.0`. */
  version: string;
  /** Defaults to the global `fetch`. */
  fetch?: typeof fetch;
  /** Deadline for one API call, from request to the end of the response body. */
  timeoutMs: number;
  /** Deadline for a media download; defaults to 60 s. */
  mediaTimeoutMs?: number;
  /** Largest download accepted; defaults to 100 MB (Meta's document limit). */
  maxMediaBytes?: number;
}

export interface SendMessageResult {
  wamid: string;
  /** The WhatsApp id Meta resolved `to` into, when it says. */
  waId: string | undefined;
  /** `accepted`, `held_for_quality_assessment` or `paused` when Meta says (template pacing). */
  messageStatus: string | undefined;
}

export interface MediaInfo {
  /** Valid for about five minutes, and only with the bearer token. */
  url: string;
  mimeType: string;
  sha256: string;
  fileSize: number;
}

export interface DownloadedMedia {
  bytes: Uint8Array;
  contentType: string | undefined;
}

export interface GraphClient {
  sendMessage(
    phoneNumberId: string,
    accessToken: string,
    body: SendMessageRequest,
  ): Promise<SendMessageResult>;
  markRead(
    phoneNumberId: string,
    accessToken: string,
    messageId: string,
    options?: { typingIndicator?: boolean },
  ): Promise<void>;
  getMedia(mediaId: string, accessToken: string, options?: { phoneNumberId?: string }): Promise<MediaInfo>;
  downloadMedia(url: string, accessToken: string): Promise<DownloadedMedia>;
  /** One page of a WABA's message templates (`GET /{waba-id}/message_templates`). */
  listMessageTemplates(
    wabaId: string,
    accessToken: string,
    options?: { after?: string; limit?: number },
  ): Promise<MessageTemplatePage>;
}

/** A template as Meta lists it; `components` is passed on as Meta sent it (JSON). */
export interface ListedTemplate {
  id: string;
  name: string;
  language: string;
  status: string;
  category: string;
  components: unknown[];
  parameterFormat: string | undefined;
}

export interface MessageTemplatePage {
  templates: ListedTemplate[];
  /** The cursor of the next page; undefined on the last page (Meta sends `paging.next` only then). */
  after: string | undefined;
}

const templatePageSchema = z.object({
  data: z.array(
    z.object({
      id: z.string().min(1),
      name: z.string().min(1).max(512),
      language: z.string().min(1).max(16),
      status: z.string().max(64),
      category: z.string().max(64),
      components: z.array(z.unknown()).default([]),
      parameter_format: z.string().max(32).optional(),
    }),
  ),
  paging: z
    .object({ cursors: z.object({ after: z.string().optional() }).optional(), next: z.string().optional() })
    .optional(),
});

const sendResponseSchema = z.object({
  contacts: z.array(z.object({ wa_id: z.string().optional() })).optional(),
  messages: z.array(z.object({ id: z.string().min(1), message_status: z.string().optional() })).min(1),
});

const successResponseSchema = z.object({ success: z.literal(true) });

const mediaResponseSchema = z.object({
  url: z.string().min(1),
  mime_type: z.string(),
  sha256: z.string(),
  file_size: z.union([z.number().int().nonnegative(), z.string().regex(/^[0-9]+$/)]),
});

const errorResponseSchema = z.object({
  error: z.object({
    code: z.number().int(),
    error_subcode: z.number().int().optional(),
    message: z.string().optional(),
    // Usually an object with `details`; some Graph errors send a string here.
    error_data: z.unknown().optional(),
    fbtrace_id: z.string().optional(),
  }),
});

// Ids are digits; checking keeps anything else out of the URL path.
const GRAPH_ID = /^[0-9]{1,32}$/;
// A bearer token is visible ASCII; anything else would make fetch throw with the value in its message.
const TOKEN = /^[\x21-\x7e]{1,4096}$/;

export function createGraphClient(options: GraphClientOptions): GraphClient {
  const config = optionsSchema.parse({
    baseUrl: options.baseUrl,
    version: options.version,
    timeoutMs: options.timeoutMs,
    mediaTimeoutMs: options.mediaTimeoutMs,
    maxMediaBytes: options.maxMediaBytes,
  });
  const doFetch = options.fetch ?? globalThis.fetch;
  const root = `${config.baseUrl.replace(/\/+$/, '')}/${config.version}`;
  const mediaTimeoutMs = config.mediaTimeoutMs ?? 60_000;
  const maxMediaBytes = config.maxMediaBytes ?? 100 * 1024 * 1024;

  function checkId(operation: string, what: string, id: string): void {
    if (!GRAPH_ID.test(id)) {
      throw new GraphApiError({
        operation,
        kind: 'invalid_request',
        retryable: false,
        reason: `${what} is not a Graph id`,
      });
    }
  }

  function checkToken(operation: string, token: string): void {
    if (!TOKEN.test(token)) {
      throw new GraphApiError({
        operation,
        kind: 'auth',
        retryable: false,
        reason: 'access token is malformed',
      });
    }
  }

  /** One call: deadline, transport errors, error bodies; returns the parsed JSON of a 2xx answer. */
  async function callJson(operation: string, url: string, token: string, body?: unknown): Promise<unknown> {
    checkToken(operation, token);
    const signal = AbortSignal.timeout(config.timeoutMs);
    const headers: Record<string, string> = { authorization: `Bearer ${token}`, accept: 'application/json' };
    if (body !== undefined) headers['content-type'] = 'application/json';
    let response: Response;
    let text: string;
    try {
      response = await doFetch(url, {
        method: body === undefined ? 'GET' : 'POST',
        headers,
        signal,
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      text = await response.text();
    } catch (error) {
      throw transportError(operation, error, signal);
    }
    const json = parseJson(text);
    if (!response.ok) throw errorFromResponse(operation, response.status, json, token);
    return json;
  }

  function parseWith<T>(operation: string, schema: z.ZodType<T>, json: unknown, httpStatus: number): T {
    const result = schema.safeParse(json);
    if (result.success) return result.data;
    throw new GraphApiError({
      operation,
      kind: 'unexpected_response',
      // A 2xx means Meta accepted the call; repeating it could send the message twice.
      retryable: false,
      httpStatus,
      reason: 'response body has an unexpected shape',
    });
  }

  return {
    async sendMessage(phoneNumberId, accessToken, body) {
      const operation = 'sendMessage';
      checkId(operation, 'phoneNumberId', phoneNumberId);
      // Validate again: the body may come from a queue, and nothing invalid may leave.
      const checked = validateOutboundMessage(body);
      const json = await callJson(operation, `${root}/${phoneNumberId}/messages`, accessToken, checked);
      const parsed = parseWith(operation, sendResponseSchema, json, 200);
      return {
        wamid: parsed.messages[0]!.id,
        waId: parsed.contacts?.[0]?.wa_id,
        messageStatus: parsed.messages[0]!.message_status,
      };
    },

    async markRead(phoneNumberId, accessToken, messageId, opts = {}) {
      const operation = 'markRead';
      checkId(operation, 'phoneNumberId', phoneNumberId);
      const body = validateMarkRead({
        messaging_product: 'whatsapp',
        status: 'read',
        message_id: messageId,
        ...(opts.typingIndicator ? { typing_indicator: { type: 'text' } } : {}),
      });
      const json = await callJson(operation, `${root}/${phoneNumberId}/messages`, accessToken, body);
      parseWith(operation, successResponseSchema, json, 200);
    },

    async getMedia(mediaId, accessToken, opts = {}) {
      const operation = 'getMedia';
      checkId(operation, 'mediaId', mediaId);
      if (opts.phoneNumberId !== undefined) checkId(operation, 'phoneNumberId', opts.phoneNumberId);
      const query = opts.phoneNumberId === undefined ? '' : `?phone_number_id=${opts.phoneNumberId}`;
      const json = await callJson(operation, `${root}/${mediaId}${query}`, accessToken);
      const parsed = parseWith(operation, mediaResponseSchema, json, 200);
      return {
        url: parsed.url,
        mimeType: parsed.mime_type,
        sha256: parsed.sha256,
        fileSize: Number(parsed.file_size),
      };
    },

    async downloadMedia(url, accessToken) {
      const operation = 'downloadMedia';
      checkToken(operation, accessToken);
      if (!URL.canParse(url) || !/^https?:$/.test(new URL(url).protocol)) {
        throw new GraphApiError({
          operation,
          kind: 'invalid_request',
          retryable: false,
          reason: 'media url is not http(s)',
        });
      }
      const signal = AbortSignal.timeout(mediaTimeoutMs);
      let response: Response;
      try {
        // The URL only answers with the bearer token; without it Meta returns an HTML page, not the file.
        response = await doFetch(url, {
          method: 'GET',
          signal,
          headers: { authorization: `Bearer ${accessToken}` },
        });
      } catch (error) {
        throw transportError(operation, error, signal);
      }
      if (!response.ok) {
        const json = parseJson(await response.text().catch(() => ''));
        throw errorFromResponse(operation, response.status, json, accessToken);
      }
      const declared = Number(response.headers.get('content-length') ?? Number.NaN);
      if (Number.isFinite(declared) && declared > maxMediaBytes) {
        await response.body?.cancel().catch(() => undefined);
        throw new GraphApiError({
          operation,
          kind: 'invalid_request',
          retryable: false,
          reason: 'media too large',
        });
      }
      const bytes = await readLimited(operation, response, maxMediaBytes, signal);
      return { bytes, contentType: response.headers.get('content-type') ?? undefined };
    },

    async listMessageTemplates(wabaId, accessToken, opts = {}) {
      const operation = 'listMessageTemplates';
      checkId(operation, 'wabaId', wabaId);
      const query = new URLSearchParams({ limit: String(opts.limit ?? 100) });
      if (opts.after !== undefined) query.set('after', opts.after);
      const json = await callJson(operation, `${root}/${wabaId}/message_templates?${query.toString()}`, accessToken);
      const parsed = parseWith(operation, templatePageSchema, json, 200);
      const after = parsed.paging?.next === undefined ? undefined : parsed.paging.cursors?.after;
      return {
        templates: parsed.data.map((t) => ({
          id: t.id,
          name: t.name,
          language: t.language,
          status: t.status,
          category: t.category,
          components: t.components,
          parameterFormat: t.parameter_format,
        })),
        after: after === '' ? undefined : after,
      };
    },
  };
}

async function readLimited(
  operation: string,
  response: Response,
  limit: number,
  signal: AbortSignal,
): Promise<Uint8Array> {
  if (!response.body) return new Uint8Array();
  const reader = (response.body as ReadableStream<Uint8Array>).getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.byteLength;
      if (total > limit) {
        await reader.cancel().catch(() => undefined);
        throw new GraphApiError({
          operation,
          kind: 'invalid_request',
          retryable: false,
          reason: 'media too large',
        });
      }
      chunks.push(value);
    }
  } catch (error) {
    if (error instanceof GraphApiError) throw error;
    throw transportError(operation, error, signal);
  }
  const bytes = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return bytes;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** Timeouts and network failures are retryable; their original messages are not kept (they may name URLs). */
function transportError(operation: string, error: unknown, signal: AbortSignal): GraphApiError {
  const timedOut =
    signal.aborted ||
    (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError'));
  return new GraphApiError({
    operation,
    kind: 'transient',
    retryable: true,
    reason: timedOut ? 'timeout' : 'network error',
  });
}

function errorFromResponse(
  operation: string,
  httpStatus: number,
  json: unknown,
  token: string,
): GraphApiError {
  const parsed = errorResponseSchema.safeParse(json);
  if (!parsed.success) {
    const { kind, retryable } = classifyGraphError(undefined, httpStatus);
    return new GraphApiError({
      operation,
      kind: kind === 'unknown' ? 'unexpected_response' : kind,
      retryable,
      httpStatus,
      reason: 'error body is not a Graph error',
    });
  }
  const e = parsed.data.error;
  const { kind, retryable } = classifyGraphError(e.code, httpStatus);
  const data = e.error_data;
  const details =
    typeof data === 'object' && data !== null && 'details' in data && typeof data.details === 'string'
      ? data.details
      : undefined;
  return new GraphApiError({
    operation,
    kind,
    retryable,
    httpStatus,
    code: e.code,
    subcode: e.error_subcode,
    title: maskMetaText(e.message, [token]),
    details: maskMetaText(details, [token]),
    fbtraceId:
      e.fbtrace_id !== undefined && /^[A-Za-z0-9_\-]{1,64}$/.test(e.fbtrace_id) ? e.fbtrace_id : undefined,
  });
}
