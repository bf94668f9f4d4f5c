// The Graph edge: Meta's paths, Meta's error shape. JSON bodies are taken as raw text whatever the
// content type, so that malformed JSON, a wrong content type or an oversized body are answered
// the way Graph answers them rather than in fastify's own error format; media uploads are
// multipart, read with the platform's own form-data parser (undici's `Response.formData`).
// Latency faults apply to every Graph request here, before it is looked at.
import type { FastifyPluginCallback, FastifyReply, FastifyRequest } from 'fastify';
import type { Socket } from 'node:net';
import { z } from 'zod';
import type { Faults } from '../faults';
import type { IdGenerator } from '../ids';
import type { Logger } from '../logger';
import { DOWNLOAD_PATH, type MediaLibrary } from '../media/library';
import { MEDIA_RULES } from '../media/rules';
import type { Scheduler } from '../scheduler';
import { GraphError, graphErrorBody } from './errors';
import type { GraphApi, UploadForm } from './api';

export interface GraphRouteDeps {
  api: GraphApi;
  media: MediaLibrary;
  faults: Faults;
  scheduler: Scheduler;
  ids: IdGenerator;
  logger: Logger;
  /** the base URL of media URLs; default: the request's own */
  publicUrl: string | undefined;
  /** sockets of requests left hanging by a fault, closed on shutdown and reset */
  hanging: Set<Socket>;
}

export function sendGraphError(reply: FastifyReply, error: GraphError, ids: IdGenerator): FastifyReply {
  return reply
    .code(error.httpStatus)
    .type('application/json; charset=UTF-8')
    .send(graphErrorBody(error, ids.fbtraceId()));
}

const TokenQuery = z.object({ access_token: z.string().optional(), phone_number_id: z.string().optional() });

function bearerToken(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match?.[1] ?? '';
}

/** Graph also takes the token as a query parameter. */
function tokenOf(request: FastifyRequest): string | undefined {
  const query = TokenQuery.safeParse(request.query);
  return bearerToken(request.headers.authorization) ?? (query.success ? query.data.access_token : undefined);
}

function phoneNumberFilter(request: FastifyRequest): string | undefined {
  const query = TokenQuery.safeParse(request.query);
  return query.success ? query.data.phone_number_id : undefined;
}

function parseBody(raw: unknown): unknown {
  if (raw === undefined || raw === null || raw === '') return {};
  if (typeof raw !== 'string') return raw;
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    throw new GraphError(100, { details: 'The request body is not valid JSON.' });
  }
}

async function readUploadForm(request: FastifyRequest): Promise<UploadForm> {
  const contentType = request.headers['content-type'] ?? '';
  if (!Buffer.isBuffer(request.body) || !contentType.toLowerCase().startsWith('multipart/form-data'))
    throw new GraphError(100, { details: 'The request must be multipart/form-data with a file.' });
  let form: FormData;
  try {
    form = await new Response(request.body, { headers: { 'content-type': contentType } }).formData();
  } catch {
    throw new GraphError(100, { details: 'The request body is not a valid multipart/form-data body.' });
  }
  const text = (name: string) => {
    const value = form.get(name);
    return typeof value === 'string' ? value : undefined;
  };
  const file = form.get('file');
  return {
    messaging_product: text('messaging_product'),
    type: text('type'),
    file:
      file !== null && typeof file !== 'string'
        ? { bytes: Buffer.from(await file.arrayBuffer()), filename: file.name || null }
        : undefined,
  };
}

const ROUTE_PARAMS = z.object({ version: z.string(), nodeId: z.string() });

export function graphRoutes(deps: GraphRouteDeps) {
  const baseUrlOf = (request: FastifyRequest) => deps.publicUrl ?? `${request.protocol}://${request.host}`;

  const register: FastifyPluginCallback = (scope, _options, done) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'string' }, (_request, body, parsed) => parsed(null, body));
    // a document may have 100 MB; the multipart envelope a little more
    scope.addContentTypeParser(
      'multipart/form-data',
      { parseAs: 'buffer', bodyLimit: MEDIA_RULES.document.maxBytes + 1024 * 1024 },
      (_request, body, parsed) => parsed(null, body),
    );

    scope.setErrorHandler((error, request, reply) => {
      if (error instanceof GraphError) return sendGraphError(reply, error, deps.ids);
      const status =
        typeof error === 'object' && error !== null && 'statusCode' in error ? Number(error.statusCode) : 500;
      if (status < 500)
        return sendGraphError(
          reply,
          new GraphError(100, { details: 'The request could not be read.' }),
          deps.ids,
        );
      deps.logger.error({ err: error, route: request.routeOptions.url }, 'unexpected error in a Graph route');
      return sendGraphError(reply, new GraphError(131000), deps.ids);
    });

    // `/_sim/<unknown>` matches the Graph patterns; it is the control API's 404, not Graph's
    scope.addHook('onRequest', (request, reply, next) => {
      if (/^\/_sim(\/|\?|$)/.test(request.url)) {
        reply.callNotFound();
        return;
      }
      next();
    });

    // injected latency, or a request left without an answer until the caller gives up
    scope.addHook('preHandler', async (request, reply) => {
      const params = ROUTE_PARAMS.safeParse(request.params);
      const fault = deps.faults.takeLatency(params.success ? params.data.nodeId : undefined);
      if (!fault) return;
      if (fault.latency_ms !== null) {
        await deps.scheduler.sleep(fault.latency_ms);
        return;
      }
      const socket = request.raw.socket;
      deps.hanging.add(socket);
      await new Promise<void>((resolve) => {
        if (socket.destroyed) resolve();
        else socket.once('close', () => resolve());
      });
      deps.hanging.delete(socket);
      // the caller is gone: nothing is sent and the request has no effect
      reply.hijack();
    });

    const json = (reply: FastifyReply, body: unknown) =>
      reply.code(200).type('application/json; charset=UTF-8').send(body);

    scope.post<{ Params: { version: string; nodeId: string } }>(
      '/:version/:nodeId/messages',
      (request, reply) => {
        const business = deps.api.authorize(request.params.version, request.params.nodeId, tokenOf(request));
        return json(reply, deps.api.postMessages(business, parseBody(request.body)));
      },
    );

    scope.post<{ Params: { version: string; nodeId: string } }>(
      '/:version/:nodeId/media',
      { bodyLimit: MEDIA_RULES.document.maxBytes + 1024 * 1024 },
      async (request, reply) => {
        const business = deps.api.authorize(request.params.version, request.params.nodeId, tokenOf(request));
        return json(reply, deps.api.uploadMedia(business, await readUploadForm(request)));
      },
    );

    scope.get<{ Params: { version: string; nodeId: string } }>(
      '/:version/:nodeId/message_templates',
      (request, reply) =>
        json(reply, deps.api.listTemplates(request.params.version, request.params.nodeId, tokenOf(request))),
    );

    scope.get<{ Params: { version: string; nodeId: string } }>('/:version/:nodeId', (request, reply) =>
      json(
        reply,
        deps.api.getMedia(
          request.params.version,
          request.params.nodeId,
          tokenOf(request),
          phoneNumberFilter(request),
          baseUrlOf(request),
        ),
      ),
    );

    scope.delete<{ Params: { version: string; nodeId: string } }>('/:version/:nodeId', (request, reply) =>
      json(
        reply,
        deps.api.deleteMedia(
          request.params.version,
          request.params.nodeId,
          tokenOf(request),
          phoneNumberFilter(request),
        ),
      ),
    );

    // the media URL: the file only with a bearer token of the owning WABA (Meta's lookaside host)
    const download = (request: FastifyRequest, reply: FastifyReply) => {
      const token = bearerToken(request.headers.authorization);
      const result = deps.media.download(
        (request.query ?? {}) as Record<string, unknown>,
        token === '' ? undefined : token,
        (t) => deps.api.wabasOf(t),
      );
      if (!result.ok) {
        // Meta answers a browser-style GET with a page, not JSON
        return reply
          .code(result.status)
          .type('text/html; charset=utf-8')
          .send(`<!DOCTYPE html><html><body><p>${result.reason}</p></body></html>`);
      }
      return reply
        .code(200)
        .header('content-type', result.item.mime_type)
        .header('content-length', String(result.item.file_size))
        .header('cache-control', 'no-store')
        .send(result.item.bytes);
    };
    scope.get(DOWNLOAD_PATH, download);
    scope.get(DOWNLOAD_PATH.replace(/\/$/, ''), download);
    done();
  };
  return register;
}
