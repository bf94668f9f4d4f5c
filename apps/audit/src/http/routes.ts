// The HTTP edge on audit's port: queries, verification, export, checkpoints and the public key.
// The caller comes in the same headers the api sets as gRPC metadata (x-careline-tenant, -actor,
// -roles), parsed by the same rules (callerFromMetadata); only the cluster network reaches this
// port. The audit log use-case checks the caller (`audit:read`) and records reads, exactly as for
// the gRPC edge: this port is no unrecorded back door.
import { Readable } from 'node:stream';
import { type SigningKey } from '@careline/audit-chain';
import {
  ACTOR_KEY,
  type Caller,
  PROBLEM_CONTENT_TYPE,
  ROLES_KEY,
  TENANT_KEY,
  callerFromMetadata,
  httpStatusForKind,
  invalidArgument,
  isDomainError,
  toProblem,
} from '@careline/runtime';
import { Metadata } from '@grpc/grpc-js';
import { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { z } from 'zod';
import { type AuditLog } from '../use-cases/audit-log';
import { requireAuditReader } from '../use-cases/caller';
import { decodePageToken } from '../use-cases/read-chain';

/** The caller named by the request's headers (undefined when it names none). */
export function callerOfRequest(request: FastifyRequest): Caller | undefined {
  const metadata = new Metadata();
  for (const key of [ACTOR_KEY, TENANT_KEY, ROLES_KEY]) {
    const value = request.headers[key];
    if (typeof value === 'string' && value !== '') metadata.set(key, value);
  }
  return callerFromMetadata(metadata);
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

export function registerAuditRoutes(app: FastifyInstance, deps: { auditLog: AuditLog; signingKey: SigningKey }): void {
  const { auditLog, signingKey } = deps;

  app.get('/v1/audit/events', async (request, reply) => {
    try {
      const who = requireAuditReader(callerOfRequest(request));
      const parsed = querySchema.safeParse(request.query);
      if (!parsed.success) throw invalidArgument('invalid_query', 'The query parameters are invalid.');
      const { pageSize, pageToken, from, to, ...rest } = parsed.data;
      const afterSeq = pageToken === undefined ? 0 : decodePageToken(pageToken);
      if (afterSeq === undefined) throw invalidArgument('invalid_page_token', 'The page token is invalid.');
      const page = await auditLog.query(
        who,
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
      return await reply.send(await auditLog.verify(requireAuditReader(callerOfRequest(request))));
    } catch (error) {
      return sendProblem(reply, error);
    }
  });

  app.get('/v1/audit/checkpoints', async (request, reply) => {
    try {
      return await reply.send({ checkpoints: await auditLog.checkpoints(requireAuditReader(callerOfRequest(request))) });
    } catch (error) {
      return sendProblem(reply, error);
    }
  });

  app.get('/v1/audit/export', async (request, reply) => {
    try {
      const lines = await auditLog.exportNdjson(requireAuditReader(callerOfRequest(request)));
      return await reply.type('application/fhir+ndjson').send(Readable.from(lines));
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
