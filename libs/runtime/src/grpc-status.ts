// The gRPC edge's only translation of errors, both ways: a service throws a DomainError, the
// client (e.g. the api) gets the same DomainError back from fromGrpcError and can re-throw it,
// so `code` survives the hop. The domain code, kind and retryability ride in trailing metadata.
import { Metadata, status as GrpcStatus } from '@grpc/grpc-js';
import { z } from 'zod';
import { DomainError, type ErrorDetails, type ErrorKind, defaultRetryable, isDomainError, isErrorKind } from './errors';

export const ERROR_CODE_KEY = 'x-careline-error-code';
export const ERROR_KIND_KEY = 'x-careline-error-kind';
export const ERROR_RETRYABLE_KEY = 'x-careline-error-retryable';
// `-bin`: details are JSON that may hold non-ASCII text, which ASCII metadata cannot carry.
export const ERROR_DETAILS_KEY = 'x-careline-error-details-bin';

const KIND_STATUS: Record<ErrorKind, GrpcStatus> = {
  invalid_argument: GrpcStatus.INVALID_ARGUMENT,
  not_found: GrpcStatus.NOT_FOUND,
  conflict: GrpcStatus.ALREADY_EXISTS,
  failed_precondition: GrpcStatus.FAILED_PRECONDITION,
  unauthenticated: GrpcStatus.UNAUTHENTICATED,
  permission_denied: GrpcStatus.PERMISSION_DENIED,
  resource_exhausted: GrpcStatus.RESOURCE_EXHAUSTED,
  unavailable: GrpcStatus.UNAVAILABLE,
  internal: GrpcStatus.INTERNAL,
};

export function grpcStatusForKind(kind: ErrorKind): GrpcStatus {
  return KIND_STATUS[kind];
}

/** Kind for a status that arrived without Careline metadata (another server, or grpc-js itself). */
export function kindForGrpcStatus(code: GrpcStatus): ErrorKind {
  switch (code) {
    case GrpcStatus.INVALID_ARGUMENT:
    case GrpcStatus.OUT_OF_RANGE:
      return 'invalid_argument';
    case GrpcStatus.NOT_FOUND:
      return 'not_found';
    case GrpcStatus.ALREADY_EXISTS:
    case GrpcStatus.ABORTED:
      return 'conflict';
    case GrpcStatus.FAILED_PRECONDITION:
      return 'failed_precondition';
    case GrpcStatus.UNAUTHENTICATED:
      return 'unauthenticated';
    case GrpcStatus.PERMISSION_DENIED:
      return 'permission_denied';
    case GrpcStatus.RESOURCE_EXHAUSTED:
      return 'resource_exhausted';
    case GrpcStatus.UNAVAILABLE:
    case GrpcStatus.DEADLINE_EXCEEDED:
    case GrpcStatus.CANCELLED:
      return 'unavailable';
    case GrpcStatus.OK:
    case GrpcStatus.UNKNOWN:
    case GrpcStatus.UNIMPLEMENTED:
    case GrpcStatus.INTERNAL:
    case GrpcStatus.DATA_LOSS:
      return 'internal';
  }
}

export interface GrpcErrorStatus {
  code: GrpcStatus;
  details: string;
  metadata: Metadata;
}

/** Status for a thrown value. Anything that is not a DomainError becomes INTERNAL and says nothing. */
export function toGrpcStatus(error: unknown): GrpcErrorStatus {
  const metadata = new Metadata();
  if (!isDomainError(error)) {
    metadata.set(ERROR_CODE_KEY, 'internal');
    metadata.set(ERROR_KIND_KEY, 'internal');
    metadata.set(ERROR_RETRYABLE_KEY, 'false');
    return { code: GrpcStatus.INTERNAL, details: 'internal error', metadata };
  }
  metadata.set(ERROR_CODE_KEY, error.code);
  metadata.set(ERROR_KIND_KEY, error.kind);
  metadata.set(ERROR_RETRYABLE_KEY, String(error.retryable));
  if (error.details !== undefined) metadata.set(ERROR_DETAILS_KEY, Buffer.from(JSON.stringify(error.details), 'utf8'));
  return { code: grpcStatusForKind(error.kind), details: error.message, metadata };
}

const jsonValue: z.ZodType<unknown> = z.lazy(() =>
  z.union([z.string(), z.number(), z.boolean(), z.null(), z.array(jsonValue), z.record(z.string(), jsonValue)]),
);
const detailsSchema = z.record(z.string(), jsonValue);

const serviceErrorShape = z.object({ code: z.number().int(), details: z.string().optional() });

function firstString(metadata: Metadata | undefined, key: string): string | undefined {
  const value = metadata?.get(key)[0];
  return typeof value === 'string' ? value : undefined;
}

function readDetails(metadata: Metadata | undefined): ErrorDetails | undefined {
  const raw = metadata?.get(ERROR_DETAILS_KEY)[0];
  if (!Buffer.isBuffer(raw)) return undefined;
  try {
    const parsed = detailsSchema.safeParse(JSON.parse(raw.toString('utf8')));
    return parsed.success ? (parsed.data as ErrorDetails) : undefined;
  } catch {
    return undefined;
  }
}

const STATUS_NAMES = new Map<number, string>(
  Object.entries(GrpcStatus)
    .filter((entry): entry is [string, number] => typeof entry[1] === 'number')
    .map(([name, value]) => [value, name.toLowerCase()]),
);

/**
 * The DomainError behind a failed gRPC call. A Careline server's error comes back with its code,
 * kind, message, details and retryability; any other failure (connection refused, deadline,
 * a foreign server) becomes a DomainError named after the status, without trusting its text.
 */
export function fromGrpcError(error: unknown): DomainError {
  if (isDomainError(error)) return error;
  const shape = serviceErrorShape.safeParse(error);
  if (!shape.success) {
    return new DomainError({ code: 'internal', kind: 'internal', message: 'The call failed.', cause: error });
  }
  const status = shape.data.code as GrpcStatus;
  const rawMetadata = (error as { metadata?: unknown }).metadata;
  const metadata = rawMetadata instanceof Metadata ? rawMetadata : undefined;
  const code = firstString(metadata, ERROR_CODE_KEY);
  const kindValue = firstString(metadata, ERROR_KIND_KEY);
  const statusName = STATUS_NAMES.get(status) ?? 'unknown';
  if (code !== undefined && /^[a-z][a-z0-9_]{0,63}$/.test(code)) {
    const kind = isErrorKind(kindValue) ? kindValue : kindForGrpcStatus(status);
    const retryable = firstString(metadata, ERROR_RETRYABLE_KEY);
    return new DomainError({
      code,
      kind,
      message: shape.data.details ?? statusName,
      details: readDetails(metadata),
      retryable: retryable === undefined ? defaultRetryable(kind) : retryable === 'true',
      cause: error,
    });
  }
  const kind = kindForGrpcStatus(status);
  return new DomainError({
    code: kind === 'internal' ? 'internal' : `upstream_${statusName}`,
    kind,
    message: `The upstream call failed (${statusName}).`,
    cause: error,
  });
}
