// A small in-memory AuditService for the api's tests, following proto/careline/audit/v1/audit.proto
// and apps/audit's behaviour: the tenant from the caller (never the request), only roles that hold
// `audit:read` (PERMISSION_DENIED `role_required`), each query and export recorded in the caller's
// chain (`audit.read`, `audit.export`), export as FHIR AuditEvent NDJSON in chunks of whole lines.
// The same fake serves in-process (as an AuditClient) and behind a real gRPC server (handlers()),
// so integration tests exercise metadata, streaming and status codes for real. The real audit runs
// in the end-to-end suite.
import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { ROLES, type Role, can } from '@careline/auth';
import type {
  AuditEntry,
  AuditServiceHandlers,
  Checkpoint,
  ListCheckpointsResponse,
  QueryEventsRequest,
  QueryEventsResponse,
  VerifyChainResponse,
} from '@careline/contracts';
import {
  type Caller,
  type Logger,
  callerFromMetadata,
  grpcUnary,
  invalidArgument,
  permissionDenied,
  toGrpcStatus,
  unauthenticated,
  unavailable,
} from '@careline/runtime';
import type { AuditClient } from '../grpc/audit-client';

export const FAKE_PUBLIC_KEY_PEM = '-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEAfakefakefakefakefakefakefakefakefakefakefak=\n-----END PUBLIC KEY-----\n';

export interface RecordedAuditCall {
  method: 'queryEvents' | 'verifyChain' | 'listCheckpoints' | 'exportChain';
  caller: Caller | undefined;
  request: unknown;
}

export interface FakeAudit {
  /** In-process client (pure tests). */
  client: AuditClient;
  /** Handlers for a real grpc-js server (integration tests). */
  handlers(logger: Logger): AuditServiceHandlers;
  calls: RecordedAuditCall[];
  /** Appends an entry to the tenant's chain (seq and hashes filled in). */
  add(tenantId: string, overrides?: Partial<AuditEntry>): AuditEntry;
  /** The tenant's chain as the fake holds it (recorded reads included). */
  entries(tenantId: string): readonly AuditEntry[];
  addCheckpoint(checkpoint: Checkpoint): void;
  /** From now on VerifyChain reports the tenant's chain broken at `seq`. */
  breakAt(tenantId: string, seq: number, reason: string): void;
  setServing(serving: boolean): void;
}

function isRole(value: string): value is Role {
  return (ROLES as readonly string[]).includes(value);
}

function tenantOf(caller: Caller | undefined): string {
  if (caller === undefined) throw unauthenticated('caller_required', 'x-careline-actor is required.');
  if (caller.tenantId === undefined) throw unauthenticated('tenant_required', 'x-careline-tenant is required.');
  if (!can({ roles: caller.roles.filter(isRole) }, 'audit:read')) {
    throw permissionDenied('role_required', 'Reading the audit log needs the permission audit:read.');
  }
  return caller.tenantId.toLowerCase();
}

const hex = (n: number) => n.toString(16).padStart(64, '0');

export function createFakeAudit(): FakeAudit {
  const chains = new Map<string, AuditEntry[]>();
  const checkpoints: Checkpoint[] = [];
  const breaks = new Map<string, { seq: number; reason: string }>();
  const calls: RecordedAuditCall[] = [];
  let serving = true;

  const chainOf = (tenantId: string): AuditEntry[] => {
    const chain = chains.get(tenantId) ?? [];
    chains.set(tenantId, chain);
    return chain;
  };

  const add = (tenantId: string, overrides: Partial<AuditEntry> = {}): AuditEntry => {
    const chain = chainOf(tenantId.toLowerCase());
    const seq = chain.length + 1;
    const entry: AuditEntry = {
      seq,
      eventId: randomUUID(),
      source: '/careline/messaging',
      action: 'conversation.read',
      actorType: 'staff',
      actorId: 'user:nurse-1',
      patientId: '',
      patientWaIdHash: 'a3f5c0e1b2d4968778695a4b3c2d1e0f',
      resourceType: 'conversation',
      resourceId: randomUUID(),
      outcome: 'success',
      occurredAt: new Date(),
      detail: {},
      prevHash: hex(seq - 1),
      hash: hex(seq),
      ...overrides,
    };
    chain.push(entry);
    return entry;
  };

  const recordRead = (tenantId: string, caller: Caller | undefined, action: string, patientId = ''): void => {
    add(tenantId, {
      source: '/careline/audit',
      action,
      actorId: caller?.actor ?? '',
      patientId,
      patientWaIdHash: '',
      resourceType: 'audit_log',
      resourceId: '',
    });
  };

  const service = {
    queryEvents: (caller: Caller | undefined, request: QueryEventsRequest): QueryEventsResponse => {
      const tenantId = tenantOf(caller);
      const size = request.pageSize === 0 ? 50 : request.pageSize;
      if (size < 1 || size > 500) throw invalidArgument('invalid_page_size', 'page_size must be 0 to 500.');
      const after = request.pageToken === '' ? 0 : Number(request.pageToken);
      if (!Number.isInteger(after) || after < 0) throw invalidArgument('invalid_page_token', 'The page token is invalid.');
      const matching = chainOf(tenantId).filter(
        (entry) =>
          entry.seq > after &&
          (request.patientId === '' || entry.patientId === request.patientId) &&
          (request.patientWaIdHash === '' || entry.patientWaIdHash === request.patientWaIdHash) &&
          (request.actorId === '' || entry.actorId === request.actorId) &&
          (request.action === '' || entry.action === request.action) &&
          (request.from === undefined || (entry.occurredAt?.getTime() ?? 0) >= request.from.getTime()) &&
          (request.to === undefined || (entry.occurredAt?.getTime() ?? 0) < request.to.getTime()),
      );
      const entries = matching.slice(0, size);
      const last = entries.at(-1);
      recordRead(tenantId, caller, 'audit.read', request.patientId);
      return { entries, nextPageToken: matching.length > size && last !== undefined ? String(last.seq) : '' };
    },
    verifyChain: (caller: Caller | undefined): VerifyChainResponse => {
      const tenantId = tenantOf(caller);
      const broken = breaks.get(tenantId);
      return broken === undefined
        ? { ok: true, count: chainOf(tenantId).length, brokenSeq: 0, reason: '', message: '' }
        : { ok: false, count: 0, brokenSeq: broken.seq, reason: broken.reason, message: `seq ${broken.seq}: ${broken.reason}` };
    },
    listCheckpoints: (caller: Caller | undefined): ListCheckpointsResponse => {
      const tenantId = tenantOf(caller);
      return { checkpoints: checkpoints.filter((cp) => cp.tenantId === tenantId), publicKeyPem: FAKE_PUBLIC_KEY_PEM };
    },
    /** One chunk per line; recorded before the first line, as audit does. */
    exportChain: (caller: Caller | undefined): Buffer[] => {
      const tenantId = tenantOf(caller);
      recordRead(tenantId, caller, 'audit.export');
      return chainOf(tenantId).map((entry) =>
        Buffer.from(
          `${JSON.stringify({ resourceType: 'AuditEvent', id: entry.eventId, type: { code: entry.action }, recorded: entry.occurredAt?.toISOString() })}\n`,
        ),
      );
    },
  };

  const down = () => unavailable('service_unavailable', 'The audit service is unavailable.');

  const inProcess =
    <Req, Res>(method: RecordedAuditCall['method'], fn: (caller: Caller | undefined, request: Req) => Res) =>
    (caller: Caller, request: Req): Promise<Res> => {
      calls.push({ method, caller, request });
      if (!serving) return Promise.reject(down());
      try {
        return Promise.resolve(fn(caller, request));
      } catch (error) {
        return Promise.reject(error instanceof Error ? error : new Error('fake audit failed'));
      }
    };

  const client: AuditClient = {
    queryEvents: inProcess('queryEvents', service.queryEvents),
    verifyChain: (caller) => inProcess('verifyChain', service.verifyChain)(caller, {}),
    listCheckpoints: (caller) => inProcess('listCheckpoints', service.listCheckpoints)(caller, {}),
    exportChain: async (caller) => {
      const chunks = await inProcess('exportChain', service.exportChain)(caller, {});
      return Readable.from(chunks);
    },
    close: () => undefined,
  };

  const handlers = (logger: Logger): AuditServiceHandlers => {
    const unary = <Req, Res>(method: RecordedAuditCall['method'], fn: (caller: Caller | undefined, request: Req) => Res) =>
      grpcUnary<Req, Res>(
        (request, { caller }) => {
          calls.push({ method, caller, request });
          if (!serving) throw down();
          return fn(caller, request);
        },
        { logger },
      );
    return {
      queryEvents: unary('queryEvents', service.queryEvents),
      verifyChain: unary('verifyChain', (caller) => service.verifyChain(caller)),
      listCheckpoints: unary('listCheckpoints', (caller) => service.listCheckpoints(caller)),
      exportChain(call) {
        try {
          // The caller as the real service reads it: from metadata only.
          const caller = callerFromMetadata(call.metadata);
          calls.push({ method: 'exportChain', caller, request: call.request });
          if (!serving) throw down();
          for (const chunk of service.exportChain(caller)) call.write({ ndjson: chunk });
          call.end();
        } catch (error) {
          call.emit('error', toGrpcStatus(error));
        }
      },
    };
  };

  return {
    client,
    handlers,
    calls,
    add,
    entries: (tenantId) => chainOf(tenantId.toLowerCase()),
    addCheckpoint: (checkpoint) => checkpoints.push(checkpoint),
    breakAt: (tenantId, seq, reason) => breaks.set(tenantId.toLowerCase(), { seq, reason }),
    setServing(value) {
      serving = value;
    },
  };
}
