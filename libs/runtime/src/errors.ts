// The one error family. Use-cases throw DomainError; each edge translates it exactly once
// (problem.ts for HTTP, grpc-status.ts for gRPC, the bus for retry/dead-letter).
//
// Contract for whoever throws one: `code`, `message` and `details` are shown to callers and
// written to logs, so they never contain patient data (no bodies, names, phone numbers, dates of
// birth). Put ids in `details` ({ conversationId }), never content.

export const ERROR_KINDS = [
  'invalid_argument',
  'not_found',
  'conflict',
  'failed_precondition',
  'unauthenticated',
  'permission_denied',
  'resource_exhausted',
  'unavailable',
  'internal',
] as const;

export type ErrorKind = (typeof ERROR_KINDS)[number];

export type JsonValue = string | number | boolean | null | readonly JsonValue[] | { readonly [key: string]: JsonValue };
export type ErrorDetails = Readonly<Record<string, JsonValue>>;

export interface DomainErrorOptions {
  /** Stable, machine-readable, snake_case: `window_closed`, `patient_not_found`. Never renamed. */
  code: string;
  kind: ErrorKind;
  /** Human-readable and safe to show and log (no patient data). */
  message: string;
  /** Safe structured facts (ids, limits), shown to callers. */
  details?: ErrorDetails;
  /** Defaults to true for `unavailable` and `resource_exhausted`, false otherwise. */
  retryable?: boolean;
  cause?: unknown;
}

const CODE = /^[a-z][a-z0-9_]{0,63}$/;

export function isErrorKind(value: unknown): value is ErrorKind {
  return typeof value === 'string' && (ERROR_KINDS as readonly string[]).includes(value);
}

export function defaultRetryable(kind: ErrorKind): boolean {
  return kind === 'unavailable' || kind === 'resource_exhausted';
}

export class DomainError extends Error {
  readonly code: string;
  readonly kind: ErrorKind;
  readonly details: ErrorDetails | undefined;
  readonly retryable: boolean;

  constructor(options: DomainErrorOptions) {
    super(options.message, options.cause === undefined ? undefined : { cause: options.cause });
    if (!CODE.test(options.code)) {
      // A programming error: codes are contracts that clients switch on.
      throw new TypeError(`DomainError code must be snake_case (got ${JSON.stringify(options.code)})`);
    }
    this.name = 'DomainError';
    this.code = options.code;
    this.kind = options.kind;
    this.details = options.details;
    this.retryable = options.retryable ?? defaultRetryable(options.kind);
  }
}

export function isDomainError(error: unknown): error is DomainError {
  return error instanceof DomainError;
}

type Shorthand = (code: string, message: string, extra?: Omit<DomainErrorOptions, 'code' | 'kind' | 'message'>) => DomainError;

function shorthand(kind: ErrorKind): Shorthand {
  return (code, message, extra) => new DomainError({ ...extra, code, kind, message });
}

// One constructor per kind keeps call sites short: `throw failedPrecondition('window_closed', '…')`.
export const invalidArgument = shorthand('invalid_argument');
export const notFound = shorthand('not_found');
export const conflict = shorthand('conflict');
export const failedPrecondition = shorthand('failed_precondition');
export const unauthenticated = shorthand('unauthenticated');
export const permissionDenied = shorthand('permission_denied');
export const resourceExhausted = shorthand('resource_exhausted');
export const unavailable = shorthand('unavailable');
export const internalError = shorthand('internal');
