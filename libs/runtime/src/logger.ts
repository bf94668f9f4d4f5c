// JSON logging that cannot leak patient data by accident.
//
// How: pino `redact` with a wildcard path `*` whose censor runs `scrub` on every top-level value
// (of log objects and of child bindings alike), plus exact top-level paths for each sensitive
// key in its usual spellings. `scrub` replaces the value of any sensitive key at any depth, in
// arrays too (matched ignoring case, `_` and `-`), and turns binary data and nested errors into
// safe summaries. Plain redact paths alone would not do: they have a fixed depth (a key one level
// deeper than the listed wildcards is printed verbatim). Because `name` is a sensitive key, the
// logger's own name is written as `service`.
//
// Errors: a DomainError's message is safe by contract and is kept. Any other error's message is
// dropped (a pg error quotes the row, a JSON parse error quotes the body); its name, code, errno,
// syscall, stack frames and cause chain are kept, which is what debugging an infrastructure
// failure needs.
import { pino, type DestinationStream, type Logger as PinoLogger, type LoggerOptions } from 'pino';
import { isDomainError } from './errors';
import { currentTrace } from './trace';

export type Logger = PinoLogger;

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export const REDACTED = '[redacted]';

/**
 * Keys whose values never reach a log line. Matched case-insensitively ignoring `_` and `-`, so
 * `wa_id`, `waId` and `WA-ID` are one key.
 */
export const SENSITIVE_LOG_KEYS: readonly string[] = [
  // message content
  'body',
  'text',
  'caption',
  'raw',
  'rawBody',
  'payload',
  'content',
  // identity of a person
  'name',
  'first_name',
  'last_name',
  'full_name',
  'display_name',
  'formatted_name',
  'profile',
  'phone',
  'phone_number',
  'display_phone_number',
  'msisdn',
  'wa_id',
  'from',
  'to',
  'recipient',
  'email',
  'dob',
  'date_of_birth',
  'birth_date',
  'birthdate',
  'address',
  'latitude',
  'longitude',
  'otp',
  // credentials
  'token',
  'access_token',
  'refresh_token',
  'id_token',
  'verify_token',
  'app_secret',
  'client_secret',
  'api_key',
  'authorization',
  'cookie',
  'set_cookie',
  'password',
  'secret',
  'x_hub_signature_256',
];

function normalizeKey(key: string): string {
  return key.toLowerCase().replace(/[-_]/g, '');
}

// Deep enough for a WhatsApp webhook (entry → changes → value → messages → …); deeper is cut, never printed raw.
const MAX_DEPTH = 16;

/** Safe summary of an error: see the file comment for what is kept and why. */
export function serializeError(error: unknown, depth = 0): Record<string, unknown> {
  if (!(error instanceof Error)) {
    return { type: typeof error };
  }
  const out: Record<string, unknown> = { type: error.name };
  const record = error as unknown as Record<string, unknown>;
  if (isDomainError(error)) {
    out.code = error.code;
    out.kind = error.kind;
    out.message = error.message;
    if (error.details !== undefined) out.details = error.details;
  } else {
    for (const key of ['code', 'errno', 'syscall', 'statusCode'] as const) {
      const value = record[key];
      if (typeof value === 'string' || typeof value === 'number') out[key] = value;
    }
  }
  if (typeof error.stack === 'string') {
    // The first line of a stack repeats the message; keep only the frames.
    const frames = error.stack.split('\n').filter((line) => line.trimStart().startsWith('at '));
    if (frames.length > 0) out.stack = frames.map((line) => line.trim()).join('\n');
  }
  if (error instanceof AggregateError && depth < 3) {
    out.errors = (error.errors as unknown[]).slice(0, 5).map((inner) => serializeError(inner, depth + 1));
  }
  if (error.cause !== undefined && depth < 3) out.cause = serializeError(error.cause, depth + 1);
  return out;
}

/**
 * Returns `value` with every sensitive key's value replaced by REDACTED, at any depth. Objects
 * that need no change are returned as they are (copy on write), so the common case is cheap.
 */
export function scrub(value: unknown, sensitive: ReadonlySet<string>, depth = 0, seen = new WeakSet<object>()): unknown {
  if (typeof value !== 'object' || value === null) return value;
  if (value instanceof Error) return serializeError(value);
  if (Buffer.isBuffer(value) || ArrayBuffer.isView(value)) return `[binary ${value.byteLength} bytes]`;
  if (value instanceof Date) return value;
  if (seen.has(value)) return '[circular]';
  if (depth >= MAX_DEPTH) return '[truncated]';
  seen.add(value);
  try {
    if (Array.isArray(value)) {
      let copy: unknown[] | undefined;
      value.forEach((item: unknown, index) => {
        const next = scrub(item, sensitive, depth + 1, seen);
        if (next !== item) {
          copy ??= [...(value as unknown[])];
          copy[index] = next;
        }
      });
      return copy ?? value;
    }
    let copy: Record<string, unknown> | undefined;
    const record = value as Record<string, unknown>;
    for (const key of Object.keys(record)) {
      const item = record[key];
      const next = sensitive.has(normalizeKey(key))
        ? item === undefined
          ? undefined
          : REDACTED
        : scrub(item, sensitive, depth + 1, seen);
      if (next !== item) {
        copy ??= { ...record };
        copy[key] = next;
      }
    }
    return copy ?? value;
  } finally {
    // A value met twice on different branches (not a cycle) is scrubbed on each branch.
    seen.delete(value);
  }
}

/** The message pino would take from an error: only a DomainError's own message is safe. */
function safeErrorMessage(error: Error): string {
  if (isDomainError(error)) return error.message;
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' || typeof code === 'number' ? `${error.name} (${code})` : error.name;
}

/** The spellings a sensitive key may have at the top level, as pino redact paths. */
function topLevelPaths(keys: readonly string[]): string[] {
  const paths = new Set<string>();
  for (const key of keys) {
    const words = key
      .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
      .toLowerCase()
      .split(/[-_]/)
      .filter((word) => word.length > 0);
    const capital = (word: string) => word.charAt(0).toUpperCase() + word.slice(1);
    const variants = [
      key,
      words.join('_'),
      words.join(''),
      words.join('_').toUpperCase(),
      words.map((word, i) => (i === 0 ? word : capital(word))).join(''),
      words.map(capital).join(''),
      words.map(capital).join('-'),
      words.join('-'),
    ];
    for (const variant of variants) paths.add(/^[A-Za-z_$][\w$]*$/.test(variant) ? variant : `["${variant}"]`);
  }
  return [...paths];
}

export interface CreateLoggerOptions {
  /** The process (app) name, written as `service` on every line. */
  name: string;
  level?: LogLevel;
  /** Where lines go; stdout by default. Tests pass a stream to read the output. */
  destination?: DestinationStream;
  /** More keys to scrub, in addition to SENSITIVE_LOG_KEYS. */
  extraSensitiveKeys?: readonly string[];
}

export function createLogger(options: CreateLoggerOptions): Logger {
  const keys = [...SENSITIVE_LOG_KEYS, ...(options.extraSensitiveKeys ?? [])];
  const sensitive = new Set(keys.map(normalizeKey));
  const config: LoggerOptions = {
    level: options.level ?? 'info',
    base: { service: options.name },
    messageKey: 'msg',
    serializers: { err: (value: unknown) => (value instanceof Error ? serializeError(value) : value) },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
    redact: {
      paths: ['*', ...topLevelPaths(keys)],
      // An exact path names a sensitive key; the wildcard (whose path is a symbol) is any other key.
      censor: (value: unknown, path: readonly (string | symbol)[]) =>
        typeof path[0] === 'string' ? REDACTED : scrub(value, sensitive),
    },
    mixin: () => {
      const trace = currentTrace();
      return trace ? { trace_id: trace.traceId, span_id: trace.spanId } : {};
    },
    hooks: {
      // pino copies an error's message into `msg` when none is given (`log.error(err)`), which
      // would bypass the scrubbing above: give it a safe message instead.
      logMethod(args, method) {
        const [first] = args as unknown[];
        // `log.error(err, …)` is `log.error({ err }, …)`.
        const object: unknown = first instanceof Error ? { err: first } : first;
        const rest = (args as unknown[]).slice(1);
        const err = typeof object === 'object' && object !== null ? (object as { err?: unknown }).err : undefined;
        if (err instanceof Error) {
          const [msg, ...interpolation] = rest;
          // Also catches callers that pass the message on: `log.error({ err }, err.message)`.
          const unsafe = typeof msg !== 'string' || (msg === err.message && !isDomainError(err));
          if (unsafe && (object as { msg?: unknown }).msg === undefined) {
            const kept = typeof msg === 'string' ? interpolation : rest;
            method.apply(this, [object, safeErrorMessage(err), ...kept] as Parameters<typeof method>);
            return;
          }
        }
        method.apply(this, [object, ...rest] as Parameters<typeof method>);
      },
    },
  };
  return options.destination ? pino(config, options.destination) : pino(config);
}
