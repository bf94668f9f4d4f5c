// AuditService over gRPC (proto/careline/audit/v1/audit.proto): a thin edge over the audit log
// use-case. The caller (tenant, actor, roles) comes from metadata only; the use-case checks it
// and records reads. Errors are translated once: grpcUnary for the unary calls, and the same
// toGrpcStatus for the export stream (before the first chunk, or mid-stream if the database fails).
import { type ChainEntry, type ChainVerdict, type SigningKey } from '@careline/audit-chain';
import {
  type AuditEntry,
  type AuditServiceHandlers,
  type ExportChainRequest,
  type ExportChainResponse,
  type QueryEventsRequest,
  type VerifyChainResponse,
} from '@careline/contracts';
import {
  type Logger,
  callerFromMetadata,
  grpcUnary,
  invalidArgument,
  isDomainError,
  runWithTrace,
  toGrpcStatus,
  traceparentFromMetadata,
} from '@careline/runtime';
import { type ServerWritableStream } from '@grpc/grpc-js';
import { type EntryFilter } from '../db/chain';
import { type AuditLog, ndjsonChunks } from '../use-cases/audit-log';
import { requireAuditReader } from '../use-cases/caller';
import { type PageRequest, decodePageToken } from '../use-cases/read-chain';

export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 500;
/** Export chunks: whole lines, about this many bytes each (well under gRPC's 4 MiB message limit). */
export const EXPORT_CHUNK_BYTES = 64 * 1024;
const MAX_FILTER_LENGTH = 200;

/** The request as a filter and a page; empty proto3 fields do not filter. */
export function parseQuery(request: QueryEventsRequest): { filter: EntryFilter; page: PageRequest } {
  const text = (name: string, value: string): string | undefined => {
    if (value === '') return undefined;
    if (value.length > MAX_FILTER_LENGTH) throw invalidArgument('invalid_query', `${name} is too long.`);
    return value;
  };
  const filter: EntryFilter = {};
  const patientId = text('patient_id', request.patientId);
  const patientWaIdHash = text('patient_wa_id_hash', request.patientWaIdHash);
  const actorId = text('actor_id', request.actorId);
  const action = text('action', request.action);
  if (patientId !== undefined) filter.patientId = patientId;
  if (patientWaIdHash !== undefined) filter.patientWaIdHash = patientWaIdHash;
  if (actorId !== undefined) filter.actorId = actorId;
  if (action !== undefined) filter.action = action;
  if (request.from !== undefined) filter.from = request.from;
  if (request.to !== undefined) filter.to = request.to;
  if (!Number.isInteger(request.pageSize) || request.pageSize < 0 || request.pageSize > MAX_PAGE_SIZE) {
    throw invalidArgument('invalid_page_size', `page_size must be 0 (default ${DEFAULT_PAGE_SIZE}) to ${MAX_PAGE_SIZE}.`);
  }
  const afterSeq = request.pageToken === '' ? 0 : decodePageToken(request.pageToken);
  if (afterSeq === undefined) throw invalidArgument('invalid_page_token', 'The page token is invalid.');
  return { filter, page: { afterSeq, size: request.pageSize === 0 ? DEFAULT_PAGE_SIZE : request.pageSize } };
}

export function toAuditEntry(entry: ChainEntry): AuditEntry {
  return {
    seq: entry.seq,
    eventId: entry.eventId,
    source: entry.source,
    action: entry.action,
    actorType: entry.actorType,
    actorId: entry.actorId,
    patientId: entry.patientId,
    patientWaIdHash: entry.patientWaIdHash,
    resourceType: entry.resourceType,
    resourceId: entry.resourceId,
    outcome: entry.outcome,
    occurredAt: new Date(entry.occurredAt),
    detail: { ...entry.detail },
    prevHash: entry.prevHash,
    hash: entry.hash,
  };
}

export function toVerifyResponse(verdict: ChainVerdict): VerifyChainResponse {
  return verdict.ok
    ? { ok: true, count: verdict.count, brokenSeq: 0, reason: '', message: '' }
    : { ok: false, count: 0, brokenSeq: verdict.seq, reason: verdict.reason, message: verdict.message };
}

type ExportCall = ServerWritableStream<ExportChainRequest, ExportChainResponse>;

/** Resolves when the stream can take more (a slow client holds the export, not our memory). */
function writeChunk(call: ExportCall, chunk: Buffer): Promise<void> {
  return call.write({ ndjson: chunk }) ? Promise.resolve() : new Promise((resolve) => call.once('drain', resolve));
}

export function createAuditGrpcHandlers(
  auditLog: AuditLog,
  deps: { logger: Logger; signingKey: SigningKey },
): AuditServiceHandlers {
  const { logger, signingKey } = deps;
  const options = { logger };
  const publicKeyPem = signingKey.publicKey.export({ type: 'spki', format: 'pem' }).toString();

  return {
    queryEvents: grpcUnary(async (request, { caller }) => {
      const who = requireAuditReader(caller);
      const { filter, page } = parseQuery(request);
      const result = await auditLog.query(who, filter, page);
      return { entries: result.entries.map(toAuditEntry), nextPageToken: result.nextPageToken ?? '' };
    }, options),

    verifyChain: grpcUnary(async (_request, { caller }) => toVerifyResponse(await auditLog.verify(requireAuditReader(caller))), options),

    listCheckpoints: grpcUnary(
      async (_request, { caller }) => ({ checkpoints: await auditLog.checkpoints(requireAuditReader(caller)), publicKeyPem }),
      options,
    ),

    exportChain(call) {
      runWithTrace(traceparentFromMetadata(call.metadata), () => {
        let cancelled = false;
        call.once('cancelled', () => {
          cancelled = true;
        });
        const run = async (): Promise<void> => {
          try {
            const lines = await auditLog.exportNdjson(requireAuditReader(callerFromMetadata(call.metadata)));
            for await (const chunk of ndjsonChunks(lines, EXPORT_CHUNK_BYTES)) {
              // Leaving the loop closes the generator, which stops reading the chain.
              if (cancelled) return;
              await writeChunk(call, chunk);
            }
            call.end();
          } catch (error) {
            if (!isDomainError(error) || error.kind === 'internal') {
              logger.error({ err: error, method: call.getPath() }, 'grpc export failed');
            }
            // grpc-js turns an 'error' on a server stream into the call's status, trailers included.
            if (!cancelled) call.emit('error', toGrpcStatus(error));
          }
        };
        void run();
      });
    },
  };
}
