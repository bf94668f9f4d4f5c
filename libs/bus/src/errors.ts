// The errors this library raises, and the rules that sort a failure into "the handler's fault"
// (retry a few times, then dead-letter), "the infrastructure's fault" (wait, never dead-letter) or
// "never going to work" (dead-letter at once). Messages name topics, headers and brokers, never
// payload content.
import { DomainError, isDomainError } from '@careline/runtime';

/**
 * Kafka did not answer: unreachable at start, or no acknowledgement within the send timeout. A
 * `DomainError` of kind `unavailable`, so an HTTP edge answers 503 (the gateway's "Meta, retry").
 */
export class KafkaUnavailableError extends DomainError {
  override readonly name = 'KafkaUnavailableError';
  constructor(message: string, options: { cause?: unknown } = {}) {
    super({ code: 'kafka_unavailable', kind: 'unavailable', message, cause: options.cause });
  }
}

/**
 * A message that can never be processed: CloudEvents headers missing or malformed, a type that
 * does not belong to the topic, or a value the descriptor cannot decode. Dead-lettered at once.
 */
export class PoisonMessageError extends DomainError {
  override readonly name = 'PoisonMessageError';
  declare readonly code: 'invalid_envelope' | 'type_mismatch' | 'undecodable_payload';
  constructor(code: 'invalid_envelope' | 'type_mismatch' | 'undecodable_payload', message: string) {
    super({ code, kind: 'invalid_argument', message, retryable: false });
  }
}

/** A caller handed the bus an event it cannot send (bad id, tenant, time...): a programming error. */
export class InvalidEventError extends DomainError {
  override readonly name = 'InvalidEventError';
  constructor(message: string) {
    super({ code: 'invalid_event', kind: 'internal', message, retryable: false });
  }
}

const maxSafeMessageLength = 300;

/**
 * The code and message of a failure, safe to put in DLQ headers and logs. Only errors of our own
 * family keep their message (first line, truncated): a `DomainError` (this library's errors are
 * ones), whose message is safe by contract. Anything else is reduced to its class name, because
 * third-party messages (a Postgres cast error, say) may quote the data that caused them.
 */
export function safeErrorInfo(error: unknown): { code: string; message: string } {
  if (isDomainError(error)) {
    return { code: error.code, message: truncate(firstLine(error.message), maxSafeMessageLength) };
  }
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    // Errors that follow DomainError's conventions (a snake_case code) without being one, e.g.
    // a handler's own validation error class; driver codes (SQLSTATE, ECONNREFUSED) never match.
    if (typeof code === 'string' && ownCodePattern.test(code) && error.name !== 'DatabaseError') {
      return { code, message: truncate(firstLine(error.message), maxSafeMessageLength) };
    }
    return { code: 'handler_failed', message: `unexpected ${error.name}` };
  }
  return { code: 'handler_failed', message: 'a non-error value was thrown' };
}

const ownCodePattern = /^[a-z][a-z0-9_]{0,63}$/;

/**
 * For logs: {@link safeErrorInfo} plus the driver's code when there is one (`ECONNREFUSED`,
 * SQLSTATE `57P01`), which says what went wrong with the infrastructure without quoting data.
 */
export function describeFailure(error: unknown): { code: string; message: string; driverCode?: string } {
  const info = safeErrorInfo(error);
  const driverCode = findDriverCode(error, 0);
  return driverCode === undefined ? info : { ...info, driverCode };
}

function findDriverCode(error: unknown, depth: number): string | undefined {
  if (typeof error !== 'object' || error === null || depth > 5) return undefined;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && /^(?:[0-9A-Z]{5}|E[A-Z_]+)$/.test(code)) return code;
  if (error instanceof AggregateError) {
    for (const inner of error.errors) {
      const found = findDriverCode(inner, depth + 1);
      if (found !== undefined) return found;
    }
  }
  return findDriverCode((error as { cause?: unknown }).cause, depth + 1);
}

/** `retryable: false` on an error (validation, poison) means retrying cannot help. */
export function isNonRetryable(error: unknown): boolean {
  return (
    typeof error === 'object' && error !== null && (error as { retryable?: unknown }).retryable === false
  );
}

// Node socket errors and pg-pool's own connection failures: the database (or the network to it)
// is not there, which is nobody's handler's fault.
const socketCodes = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);
const connectionMessages = [
  /connection terminated/i,
  /timeout exceeded when trying to connect/i,
  /client has encountered a connection error/i,
  /client was closed and is not queryable/i,
  /cannot use a pool after calling end/i,
  /connection (?:error|refused|reset)/i,
];

/**
 * True when a failure comes from the database being unreachable or shutting down rather than from
 * the handler's logic: SQLSTATE class 08 (connection exception), 57P01–57P03 (admin/crash
 * shutdown, cannot connect now), 53 (insufficient resources: too many connections), 40001/40P01
 * (serialization failure, deadlock: a retry succeeds), or a socket error. Follows `cause` and
 * AggregateError members, so a handler that wraps a driver error is still recognised. A
 * `DomainError` of kind `unavailable` (a service the handler calls is down) counts too.
 */
export function isTransientInfrastructureError(error: unknown, depth = 0): boolean {
  if (typeof error !== 'object' || error === null || depth > 5) return false;
  // A dependency reported as unavailable (DomainError kind `unavailable`, Kafka not answering).
  if (isDomainError(error) && error.kind === 'unavailable') return true;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string') {
    if (socketCodes.has(code)) return true;
    if (/^08[0-9A-Z]{3}$/.test(code) || /^53[0-9A-Z]{3}$/.test(code)) return true;
    if (['57P01', '57P02', '57P03', '40001', '40P01'].includes(code)) return true;
  }
  if (error instanceof Error && connectionMessages.some((pattern) => pattern.test(error.message)))
    return true;
  if (
    error instanceof AggregateError &&
    error.errors.some((inner) => isTransientInfrastructureError(inner, depth + 1))
  ) {
    return true;
  }
  return isTransientInfrastructureError((error as { cause?: unknown }).cause, depth + 1);
}

function firstLine(text: string): string {
  return text.split('\n', 1)[0] ?? '';
}

export function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
