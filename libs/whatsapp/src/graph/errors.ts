/**
 * Meta's error codes sorted by what the caller should do. The same classification applies to errors
 * returned synchronously by the Graph API and to those that arrive later in a `failed` status, since
 * Meta says some codes can come either way.
 */

export type GraphErrorKind =
  /** Token expired, revoked or malformed (0, 190, HTTP 401): fix credentials, do not retry. */
  | 'auth'
  /** The business account or number cannot send (permissions, policy block, payment, unregistered). */
  | 'account'
  /** Per-number throughput exceeded (130429): retry with backoff. */
  | 'throughput'
  /** App or WABA call-rate limits (4, 80007): retry later. */
  | 'rate_limit'
  /** Too many messages to this one user (131056): retry after 4^n seconds; other users unaffected. */
  | 'pair_rate'
  /** Outside the 24-hour customer-service window (131047): send an approved template instead. */
  | 'window'
  /** The user stopped marketing messages (131050). */
  | 'opted_out'
  /** This recipient cannot get this message (undeliverable, not allowed, capped, restricted). */
  | 'recipient'
  /** Template missing, paused, disabled or given the wrong parameters (132xxx). */
  | 'template'
  /** The request itself is wrong (100, 131008, 131009, 131051, 131053): a bug or bad data. */
  | 'invalid_request'
  /** Meta-side trouble, timeouts and network errors: retry with backoff. */
  | 'transient'
  /** Meta answered with something this library cannot read. */
  | 'unexpected_response'
  /** A code this table does not know. Retryable only when the HTTP status was 5xx. */
  | 'unknown';

export interface GraphErrorClass {
  kind: GraphErrorKind;
  retryable: boolean;
}

const BY_CODE = new Map<number, GraphErrorKind>([
  [0, 'auth'],
  [190, 'auth'],
  [3, 'account'],
  [10, 'account'],
  [368, 'account'],
  [131031, 'account'],
  [131042, 'account'],
  [131048, 'account'],
  [133010, 'account'],
  [4, 'rate_limit'],
  [80007, 'rate_limit'],
  [130429, 'throughput'],
  [131056, 'pair_rate'],
  [131047, 'window'],
  [131050, 'opted_out'],
  [131026, 'recipient'],
  [131030, 'recipient'],
  [131049, 'recipient'],
  [130472, 'recipient'],
  [130497, 'recipient'],
  [100, 'invalid_request'],
  [131008, 'invalid_request'],
  [131009, 'invalid_request'],
  [131051, 'invalid_request'],
  [131052, 'invalid_request'],
  [131053, 'invalid_request'],
  [131000, 'transient'],
  [131016, 'transient'],
  [131057, 'transient'],
]);

const RETRYABLE: ReadonlySet<GraphErrorKind> = new Set([
  'throughput',
  'rate_limit',
  'pair_rate',
  'transient',
]);

/**
 * Classifies a Meta error by its code (Meta asks callers to build on `code`); the HTTP status decides
 * only when there is no code, and whether an unknown code is worth retrying (5xx).
 */
export function classifyGraphError(
  code: number | undefined,
  httpStatus: number | undefined,
): GraphErrorClass {
  const kind = kindOf(code, httpStatus);
  if (kind === 'unknown') return { kind, retryable: httpStatus !== undefined && httpStatus >= 500 };
  return { kind, retryable: RETRYABLE.has(kind) };
}

function kindOf(code: number | undefined, httpStatus: number | undefined): GraphErrorKind {
  if (code !== undefined) {
    const known = BY_CODE.get(code);
    if (known) return known;
    if (code >= 200 && code <= 299) return 'account'; // API permission errors
    if (code >= 132000 && code <= 132999) return 'template';
    // A code we do not know stays "unknown" (so it shows up in metrics); the status decides retrying.
    return 'unknown';
  }
  if (httpStatus === undefined) return 'unknown';
  if (httpStatus === 401) return 'auth';
  if (httpStatus === 429) return 'throughput';
  if (httpStatus >= 500) return 'transient';
  return 'unknown';
}

export interface GraphApiErrorInit {
  operation: string;
  kind: GraphErrorKind;
  retryable: boolean;
  httpStatus?: number;
  code?: number;
  subcode?: number;
  title?: string;
  details?: string;
  fbtraceId?: string;
  /** A short, value-free description of a local failure (timeout, network, unreadable body). */
  reason?: string;
}

/**
 * A failed Graph API call. The message holds the operation, kind, status and codes only: never the
 * token, never request content. `details` and `title` are Meta's text, with anything that looks like
 * a token or a phone number masked, because Meta sometimes echoes parameters back.
 */
export class GraphApiError extends Error {
  override readonly name = 'GraphApiError';
  readonly operation: string;
  readonly kind: GraphErrorKind;
  readonly retryable: boolean;
  readonly httpStatus: number | undefined;
  readonly code: number | undefined;
  readonly subcode: number | undefined;
  readonly title: string | undefined;
  readonly details: string | undefined;
  readonly fbtraceId: string | undefined;
  readonly reason: string | undefined;

  constructor(init: GraphApiErrorInit) {
    const parts = [
      init.kind,
      init.reason,
      init.httpStatus === undefined ? undefined : `http ${init.httpStatus}`,
      init.code === undefined
        ? undefined
        : `code ${init.code}${init.subcode === undefined ? '' : `/${init.subcode}`}`,
      init.fbtraceId === undefined ? undefined : `fbtrace ${init.fbtraceId}`,
    ].filter((p) => p !== undefined);
    super(`Graph API ${init.operation} failed: ${parts.join(', ')}`);
    this.operation = init.operation;
    this.kind = init.kind;
    this.retryable = init.retryable;
    this.httpStatus = init.httpStatus;
    this.code = init.code;
    this.subcode = init.subcode;
    this.title = init.title;
    this.details = init.details;
    this.fbtraceId = init.fbtraceId;
    this.reason = init.reason;
  }
}

/** Masks secrets and number-like runs in text that Meta wrote. */
export function maskMetaText(text: string | undefined, secrets: readonly string[]): string | undefined {
  if (text === undefined) return undefined;
  let masked = text;
  for (const secret of secrets) if (secret.length > 0) masked = masked.split(secret).join('[redacted]');
  // Long digit runs are phone numbers or ids of people; error codes and counts are shorter.
  return masked.replace(/\+?[0-9][0-9 ()-]{6,}[0-9]/g, '[number]').slice(0, 1000);
}
