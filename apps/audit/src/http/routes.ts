// The HTTP edge on audit's port: queries, verification, export, checkpoints and the public key.
// The caller comes in the same headers the api sets as gRPC metadata (x-careline-tenant, -actor,
// -roles); only the cluster network reaches this port. The tenant is the caller's, never a query
// parameter, and only auditors and admins may read the audit log.
import { Readable } from 'node:stream';
import { type SigningKey } from '@careline/audit-chain';
import {
  ACTOR_KEY,
  DomainError,
  PROBLEM_CONTENT_TYPE,
  ROLES_KEY,
  TENANT_KEY,
  httpStatusForKind,
  invalidArgument,
  isDomainError,
  permissionDenied,
  toProblem,
} from '@careline/runtime';
import { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { z } from 'zod';
import { type ChainReader, decodePageToken } from '../use-cases/read-chain';

export const READER_ROLES = ['auditor', 'admin'] as const;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function unauthenticated(key: string): DomainError {
  return new DomainError({ code: 'invalid_caller', kind: 'unauthenticated', message: `Header ${key} is missing or malformed.` });
}

/** The caller's tenant, after checking the caller may read the audit log. */
export function callerTenant(request: FastifyRequest): string {
  const header = (key: string): string | undefined => {
    const value = request.headers[key];
    return typeof value === 'string' && value !== '' ? value : undefined;
  };
  const actor = header(ACTOR_KEY);
  const tenant = header(TENANT_KEY);
  if (actor === undefined) throw unauthenticated(ACTOR_KEY);
  if (tenant === undefined || !UUID.test(tenant)) throw unauthenticated(TENANT_KEY);
  const roles = (header(ROLES_KEY) ?? '').split(',').map((role) => role.trim());
  if (!roles.some((role) => (READER_ROLES as readonly string[]).includes(role))) {
    throw permissionDenied('role_required', 'Reading the audit log needs the auditor or admin role.');
  }
  return tenant.toLowerCase();
}

const optionalText = z.string().min(1).max(200).optional();
const querySchema = z.object({
  patientId: optionalText,
  patientWaIdHash: optionalText,
  actorId: optionalText,
  action: optionalText,
  from: z.iso.datetime({ offset: true }).optional(),
  to: z.iso.datetime({ offset: true }).optional(),
  pageSize: z.coerce.number().int().min(1).max(500).default(50),
  pageToken: z.string().max(100).optional(),
});

function sendProblem(reply: FastifyReply, error: unknown): FastifyReply {
  const status = isDomainError(error) ? httpStatusForKind(error.kind) : 500;
  return reply.code(status).type(PROBLEM_CONTENT_TYPE).send(toProblem(error));
}

export function registerAuditRoutes(app: FastifyInstance, deps: { reader: ChainReader; signingKey: SigningKey }): void {
  const { reader, signingKey } = deps;

  app.get('/v1/audit/events', async (request, reply) => {
    try {
      const tenantId = callerTenant(request);
      const parsed = querySchema.safeParse(request.query);
      if (!parsed.success) throw invalidArgument('invalid_query', 'The query parameters are invalid.');
      const { pageSize, pageToken, from, to, ...rest } = parsed.data;
      const afterSeq = pageToken === undefined ? 0 : decodePageToken(pageToken);
      if (afterSeq === undefined) throw invalidArgument('invalid_page_token', 'The page token is invalid.');
      const page = await reader.query(
        tenantId,
        {
          ...rest,
          ...(from === undefined ? {} : { from: new Date(from) }),
          ...(to === undefined ? {} : { to: new Date(to) }),
        },
        { afterSeq, size: pageSize },
      );
      return await reply.send(page);
    } catch (error) {
      return sendProblem(reply, error);
    }
  });

  app.get('/v1/audit/verify', async (request, reply) => {
    try {
      return await reply.send(await reader.verify(callerTenant(request)));
    } catch (error) {
      return sendProblem(reply, error);
    }
  });

  app.get('/v1/audit/checkpoints', async (request, reply) => {
    try {
      return await reply.send({ checkpoints: await reader.checkpoints(callerTenant(request)) });
    } catch (error) {
      return sendProblem(reply, error);
    }
  });

  app.get('/v1/audit/export', async (request, reply) => {
    try {
      const tenantId = callerTenant(request);
      return await reply.type('application/fhir+ndjson').send(Readable.from(reader.exportNdjson(tenantId)));
    } catch (error) {
      return sendProblem(reply, error);
    }
  });

  // Public by nature: what an offline verifier needs to check the checkpoints.
  app.get('/v1/audit/public-key', async (_request, reply) =>
    reply.send({
      keyId: signingKey.keyId,
      publicKey: signingKey.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    }),
  );
}
