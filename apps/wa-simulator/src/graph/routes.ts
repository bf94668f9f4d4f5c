// The Graph edge: Meta's paths, Meta's error shape. Bodies are taken as raw text whatever the
// content type, so that malformed JSON, a wrong content type or an oversized body are answered
// the way Graph answers them rather than in fastify's own error format.
import type { FastifyPluginCallback, FastifyReply } from 'fastify';
import { z } from 'zod';
import type { IdGenerator } from '../ids';
import type { Logger } from '../logger';
import { GraphError, graphErrorBody } from './errors';
import type { GraphApi } from './api';

export interface GraphRouteDeps {
  api: GraphApi;
  ids: IdGenerator;
  logger: Logger;
}

export function sendGraphError(reply: FastifyReply, error: GraphError, ids: IdGenerator): FastifyReply {
  return reply
    .code(error.httpStatus)
    .type('application/json; charset=UTF-8')
    .send(graphErrorBody(error, ids.fbtraceId()));
}

const AccessTokenQuery = z.object({ access_token: z.string().optional() });

function bearerToken(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match?.[1] ?? '';
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

export function graphRoutes(deps: GraphRouteDeps) {
  const register: FastifyPluginCallback = (scope, _options, done) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'string' }, (_request, body, done) => done(null, body));

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

    scope.post<{ Params: { version: string; phoneNumberId: string } }>(
      '/:version/:phoneNumberId/messages',
      async (request, reply) => {
        // Graph also takes the token as a query parameter
        const query = AccessTokenQuery.safeParse(request.query);
        const token =
          bearerToken(request.headers.authorization) ?? (query.success ? query.data.access_token : undefined);
        const business = deps.api.authorize(request.params.version, request.params.phoneNumberId, token);
        const result = deps.api.postMessages(business, parseBody(request.body));
        return reply.code(200).type('application/json; charset=UTF-8').send(result);
      },
    );
    done();
  };
  return register;
}
