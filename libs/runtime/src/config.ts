// Configuration is read once, at start, from the environment and validated against a zod schema
// whose keys are the variable names; the config type is the schema's output type. A bad
// environment fails fast with ONE line that names every bad variable and why.
//
// Values are echoed in that line only when it is safe: never for variables marked `secret()`,
// never for names that look like credentials (…SECRET, …TOKEN, …PASSWORD, …KEY), never for values
// read from a file, and URLs have their user:password part masked.
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { LOG_LEVELS, type LogLevel } from './logger';

export interface ConfigProblem {
  variable: string;
  message: string;
}

export class ConfigError extends Error {
  readonly problems: readonly ConfigProblem[];

  constructor(problems: readonly ConfigProblem[]) {
    super(problems.map((p) => (p.variable === '' ? p.message : `${p.variable} ${p.message}`)).join('; '));
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

// Marks schemas made by secret(). A WeakMap-backed registry: it holds no state of its own.
const secrets = z.registry<{ secret: true }>();

const SECRET_NAME = /(SECRET|TOKEN|PASSWORD|PASSWD|PRIVATE|CREDENTIAL|API_?KEY|_KEY$)/i;

function isSecretSchema(schema: unknown, depth = 0): boolean {
  if (!(schema instanceof z.ZodType) || depth > 8) return false;
  if (secrets.get(schema)) return true;
  const def = schema._zod.def as unknown as Record<string, unknown>;
  return ['innerType', 'in', 'out'].some((key) => isSecretSchema(def[key], depth + 1));
}

/** A field parsed from the variable's string; `rule` completes "<VAR> …" when it does not parse. */
function field<T>(rule: string, parse: (raw: string) => T | undefined) {
  return z.string().transform((raw, ctx): T => {
    const value = parse(raw);
    if (value === undefined) {
      ctx.addIssue({ code: 'custom', message: rule });
      return z.NEVER;
    }
    return value;
  });
}

function parseInteger(raw: string, min: number, max: number): number | undefined {
  const text = raw.trim();
  if (!/^-?\d+$/.test(text)) return undefined;
  const value = Number(text);
  return Number.isSafeInteger(value) && value >= min && value <= max ? value : undefined;
}

/** A non-empty string. */
export function str() {
  return field('must not be empty', (raw) => (raw.length > 0 ? raw : undefined));
}

export function int(options: { min?: number; max?: number } = {}) {
  const min = options.min ?? Number.MIN_SAFE_INTEGER;
  const max = options.max ?? Number.MAX_SAFE_INTEGER;
  const range =
    options.min !== undefined && options.max !== undefined
      ? ` ${min}-${max}`
      : options.min !== undefined
        ? ` >= ${min}`
        : options.max !== undefined
          ? ` <= ${max}`
          : '';
  return field(`must be an integer${range}`, (raw) => parseInteger(raw, min, max));
}

/** A TCP port, 1-65535 (0 is accepted only with `allowZero`, for tests that want any free port). */
export function port(options: { allowZero?: boolean } = {}) {
  const min = options.allowZero ? 0 : 1;
  return field(`must be an integer ${min}-65535`, (raw) => parseInteger(raw, min, 65535));
}

/** An absolute URL, returned as the trimmed string. `protocols` like ['http', 'https']. */
export function url(options: { protocols?: readonly string[] } = {}) {
  const protocols = options.protocols?.map((p) => p.replace(/:$/, ''));
  const rule = protocols ? `must be an absolute ${protocols.join(' or ')} URL` : 'must be an absolute URL';
  return field(rule, (raw) => {
    const text = raw.trim();
    try {
      const parsed = new URL(text);
      if (protocols && !protocols.includes(parsed.protocol.replace(/:$/, ''))) return undefined;
      return text;
    } catch {
      return undefined;
    }
  });
}

const HOST = /^(?:\[[0-9a-fA-F:.]+\]|[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?)$/;

/** Comma-separated `host:port` list (Kafka brokers), whitespace around entries ignored. */
export function brokers() {
  return field('must be a comma-separated list of host:port', (raw) => {
    const entries = raw
      .split(',')
      .map((entry) => entry.trim())
      .filter((entry) => entry.length > 0);
    if (entries.length === 0) return undefined;
    for (const entry of entries) {
      const colon = entry.lastIndexOf(':');
      if (colon <= 0) return undefined;
      if (!HOST.test(entry.slice(0, colon))) return undefined;
      if (parseInteger(entry.slice(colon + 1), 1, 65535) === undefined) return undefined;
    }
    return entries;
  });
}

/** Comma-separated non-empty strings. */
export function list() {
  return field('must be a comma-separated list', (raw) => {
    const items = raw
      .split(',')
      .map((item) => item.trim())
      .filter((item) => item.length > 0);
    return items.length > 0 ? items : undefined;
  });
}

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** A duration in milliseconds: `1500` (ms), `1500ms`, `30s`, `5m`, `1h`. */
export function durationMs() {
  return field('must be a duration like 500, 500ms, 30s, 5m or 1h', (raw) => {
    const match = /^(\d+)\s*(ms|s|m|h)?$/.exec(raw.trim());
    if (!match?.[1]) return undefined;
    const value = Number(match[1]) * (UNIT_MS[match[2] ?? 'ms'] ?? 1);
    return Number.isSafeInteger(value) ? value : undefined;
  });
}

/** `true`/`false` (any case) or `1`/`0`. */
export function bool() {
  return field('must be true, false, 1 or 0', (raw) => {
    const text = raw.trim().toLowerCase();
    if (text === 'true' || text === '1') return true;
    if (text === 'false' || text === '0') return false;
    return undefined;
  });
}

export function oneOf<const T extends readonly [string, ...string[]]>(values: T) {
  return field(`must be one of ${values.join(', ')}`, (raw) =>
    (values as readonly string[]).includes(raw.trim()) ? (raw.trim() as T[number]) : undefined,
  );
}

export function logLevel() {
  return field(`must be one of ${LOG_LEVELS.join(', ')}`, (raw): LogLevel | undefined => {
    const text = raw.trim().toLowerCase();
    return (LOG_LEVELS as readonly string[]).includes(text) ? (text as LogLevel) : undefined;
  });
}

/**
 * A secret: from the variable itself or from the file named by `<VAR>_FILE` (Kubernetes and
 * Docker secrets). Its value is never echoed in an error.
 */
export function secret() {
  const schema = z.string().min(1, { message: 'must not be empty' });
  secrets.add(schema, { secret: true });
  return schema;
}

/** A schema for loadConfig: an object keyed by variable name, optionally piped into a transform. */
export type EnvSchema = z.ZodObject | z.ZodPipe<z.ZodObject, z.ZodType>;

function shapeOf(schema: EnvSchema): Record<string, z.ZodType> {
  if (schema instanceof z.ZodObject) return schema.shape;
  return shapeOf(schema.in);
}

function mask(value: string): string {
  const masked = value.replace(/(\/\/)[^/@\s]*@/g, '$1***@');
  return JSON.stringify(masked.length > 64 ? `${masked.slice(0, 61)}...` : masked);
}

function ruleText(message: string): string {
  if (/^(must|is|set|should|cannot) /.test(message)) return message;
  return `is invalid (${message.charAt(0).toLowerCase()}${message.slice(1)})`;
}

export interface LoadConfigOptions {
  /** Reads `<VAR>_FILE` files; the default reads from disk. */
  readFile?: (path: string) => string;
}

/**
 * Parses the environment against `schema` and returns the typed config, or throws ConfigError.
 * Each key of the schema is a variable name; `<KEY>_FILE`, when set, names a file holding the
 * value (one trailing newline is dropped). An empty variable counts as unset.
 */
export function loadConfig<S extends EnvSchema>(
  schema: S,
  env: Readonly<Record<string, string | undefined>> = process.env,
  options: LoadConfigOptions = {},
): z.output<S> {
  const readFile = options.readFile ?? ((path: string) => readFileSync(path, 'utf8'));
  const shape = shapeOf(schema);
  const keys = Object.keys(shape);
  const input: Record<string, string | undefined> = {};
  const fromFile = new Set<string>();
  const problems = new Map<string, string>();

  for (const key of keys) {
    const direct = env[key] === '' ? undefined : env[key];
    const filePath = env[`${key}_FILE`] === '' ? undefined : env[`${key}_FILE`];
    if (filePath === undefined) {
      input[key] = direct;
      continue;
    }
    if (direct !== undefined) {
      problems.set(key, `and ${key}_FILE are both set (set only one)`);
      continue;
    }
    try {
      input[key] = readFile(filePath).replace(/\r?\n$/, '');
      fromFile.add(key);
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      problems.set(key, `cannot be read from ${key}_FILE (${typeof code === 'string' ? code : 'unreadable'})`);
    }
  }

  const result = schema.safeParse(input);
  if (result.success && problems.size === 0) return result.data as z.output<S>;

  const general: string[] = [];
  if (!result.success) {
    for (const issue of result.error.issues) {
      const variable = issue.path[0];
      if (typeof variable !== 'string' || !keys.includes(variable)) {
        general.push(`configuration is invalid: ${issue.message}`);
        continue;
      }
      if (problems.has(variable)) continue;
      const raw = input[variable];
      if (raw === undefined) {
        problems.set(variable, 'is required');
        continue;
      }
      const echo = !fromFile.has(variable) && !isSecretSchema(shape[variable]) && !SECRET_NAME.test(variable);
      problems.set(variable, `${ruleText(issue.message)}${echo ? ` (got ${mask(raw)})` : ''}`);
    }
  }
  const ordered: ConfigProblem[] = keys
    .filter((key) => problems.has(key))
    .map((key) => ({ variable: key, message: problems.get(key) ?? '' }));
  throw new ConfigError([...ordered, ...general.map((message) => ({ variable: '', message }))]);
}
