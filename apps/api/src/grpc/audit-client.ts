// The api's door to audit: AuditService calls made on behalf of an authenticated caller (tenant,
// actor and roles in metadata with the current traceparent, never in a request field), bounded by
// deadlines, failures turned back into DomainErrors here, once. The export is a server stream:
// it is handed to the HTTP edge as chunks of whole NDJSON lines, and it starts only after audit
// accepted the call (the first message or the end arrived), so a refusal is still a clean problem
// response rather than a broken 200.
import { type ClientReadableStream, type ClientUnaryCall, type ServiceError, credentials } from '@grpc/grpc-js';
import {
  AuditServiceClient,
  type ExportChainResponse,
  type ListCheckpointsResponse,
  type QueryEventsRequest,
  type QueryEventsResponse,
  type VerifyChainResponse,
} from '@careline/contracts';
import { type Caller, DomainError, fromGrpcError, metadataForCaller, unavailable } from '@careline/runtime';

export const AUDIT_SERVICE_NAME = 'careline.audit.v1.AuditService';

export interface AuditClient {
  queryEvents(caller: Caller, request: QueryEventsRequest): Promise<QueryEventsResponse>;
  verifyChain(caller: Caller): Promise<VerifyChainResponse>;
  listCheckpoints(caller: Caller): Promise<ListCheckpointsResponse>;
  /**
   * Resolves once audit accepted the export (its first chunk or its end arrived) with every chunk,
   * the first included; rejects with the DomainError when audit refused it. A failure after that
   * ends the iteration with the DomainError.
   */
  exportChain(caller: Caller): Promise<AsyncIterable<Uint8Array>>;
  close(): void;
}

export interface AuditClientOptions {
  /** grpc-js target, e.g. `127.0.0.1:50054` or `dns:///audit:50054`. */
  target: string;
  /** Deadline of each unary call. */
  timeoutMs: number;
  /** Deadline of a whole export (a long chain streams for a while). */
  exportTimeoutMs: number;
}

const CHANNEL_OPTIONS = {
  // As for messaging: a restarted audit should be reachable again within seconds, not minutes.
  'grpc.initial_reconnect_backoff_ms': 500,
  'grpc.max_reconnect_backoff_ms': 5000,
};

/**
 * The DomainError for a failed call: Careline errors keep their code; an audit that cannot be
 * reached or does not answer in time is `service_unavailable`; a refusal of the caller metadata
 * is the api's fault (500), not the user's (never a 401 to them).
 */
export function auditCallError(error: unknown): DomainError {
  const domain = fromGrpcError(error);
  if (domain.kind === 'unavailable' && domain.code.startsWith('upstream_')) {
    return unavailable('service_unavailable', 'The audit service is unavailable; try again shortly.', {
      details: { service: 'audit' },
      cause: error,
    });
  }
  if (domain.kind === 'unauthenticated') {
    return new DomainError({
      code: 'upstream_rejected_caller',
      kind: 'internal',
      message: 'The audit service refused the caller identity sent by api.',
      cause: error,
    });
  }
  return domain;
}

type Callback<T> = (error: ServiceError | null, response: T) => void;

function invoke<T>(start: (callback: Callback<T>) => ClientUnaryCall): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    start((error, response) => (error ? reject(auditCallError(error)) : resolve(response)));
  });
}

/** The call's messages as an async iterable that throws the call's DomainError. */
async function* chunksOf(call: ClientReadableStream<ExportChainResponse>): AsyncGenerator<Uint8Array> {
  try {
    for await (const message of call as AsyncIterable<ExportChainResponse>) yield message.ndjson;
  } catch (error) {
    throw auditCallError(error);
  } finally {
    // The consumer stopped early (client went away): stop audit reading the chain too.
    call.cancel();
  }
}

/** Waits for the first chunk (or the end), so a refused call rejects here. */
async function accepted(call: ClientReadableStream<ExportChainResponse>): Promise<AsyncIterable<Uint8Array>> {
  const chunks = chunksOf(call);
  const first = await chunks.next();
  return (async function* () {
    if (first.done === true) return;
    yield first.value;
    yield* chunks;
  })();
}

export function createAuditClient(options: AuditClientOptions): AuditClient {
  const client = new AuditServiceClient(options.target, credentials.createInsecure(), CHANNEL_OPTIONS);
  const deadline = (ms: number) => ({ deadline: new Date(Date.now() + ms) });
  return {
    queryEvents: (caller, request) =>
      invoke((cb) => client.queryEvents(request, metadataForCaller(caller), deadline(options.timeoutMs), cb)),
    verifyChain: (caller) =>
      // Verification reads the whole chain: it has the export's budget, not a query's.
      invoke((cb) => client.verifyChain({}, metadataForCaller(caller), deadline(options.exportTimeoutMs), cb)),
    listCheckpoints: (caller) =>
      invoke((cb) => client.listCheckpoints({}, metadataForCaller(caller), deadline(options.timeoutMs), cb)),
    exportChain: (caller) =>
      accepted(client.exportChain({}, metadataForCaller(caller), deadline(options.exportTimeoutMs))),
    close: () => client.close(),
  };
}
