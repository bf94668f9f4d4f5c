// Configuration of the simulator, parsed once at start from the environment. Every variable is
// optional: with none set the simulator listens on 8090 with no businesses, and tests or the
// dev tooling register businesses and patients through the control API.
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { TemplateInputSchema, type TemplateConfig } from './templates/schema';

const digits = (what: string) => z.string().regex(/^\d{1,32}$/, `${what} must be digits only`);

/** A business phone number as Meta knows it: the ids, its credentials and its webhook. */
export const BusinessSchema = z.strictObject({
  phone_number_id: digits('phone_number_id'),
  /** as Meta puts it in webhook `metadata`: digits, no `+` */
  display_phone_number: digits('display_phone_number'),
  waba_id: digits('waba_id'),
  /** the bearer token Graph calls for this number must carry */
  access_token: z.string().min(1),
  /** the app secret that signs webhooks (`X-Hub-Signature-256`) */
  app_secret: z.string().min(1),
  webhook_url: z.url({ protocol: /^https?$/ }).optional(),
  verify_token: z.string().min(1).optional(),
  /**
   * false: the number exists in the WABA but is not registered with the Cloud API (or was
   * deregistered); every send from it fails with 133010. Absent means registered.
   */
  registered: z.boolean().optional(),
});
export type BusinessConfig = z.infer<typeof BusinessSchema>;

/** A simulated WhatsApp user. */
export const PatientSchema = z.strictObject({
  /** the WhatsApp id: digits, no `+` */
  wa_id: digits('wa_id'),
  profile_name: z.string().min(1).max(256).default('Patient'),
  /** false: sends to this number fail with 131026, as for a number without WhatsApp */
  on_whatsapp: z.boolean().default(true),
  /**
   * The number businesses dial when it differs from the wa_id (Meta: "wa_id is not always equal to
   * the phone number", e.g. Brazil's ninth digit). Sends to it resolve to this patient's wa_id.
   */
  phone_number: digits('phone_number').optional(),
});
export type PatientConfig = z.infer<typeof PatientSchema>;

const nonNegativeMs = z
  .number()
  .int()
  .min(0)
  .max(7 * 24 * 3600 * 1000);

/**
 * Behaviour that tests may change at run time (`PATCH /_sim/settings`); `POST /_sim/reset` puts
 * back the values the process started with.
 */
export const SettingsSchema = z.strictObject({
  /**
   * How a free-form send outside the 24-hour customer service window is refused: `async` (HTTP 200,
   * then a `failed` status webhook with 131047, as Meta mostly does) or `sync` (HTTP 400, 131047).
   */
  window_errors: z.enum(['async', 'sync']),
  /** length of the customer service window; 86400 s like Meta, shorter in tests */
  service_window_seconds: z.number().int().min(1),
  status_delays_ms: z.strictObject({
    /** from acceptance to the `sent` status (or to `failed` for an asynchronous refusal) */
    sent: nonNegativeMs,
    /** from acceptance to `delivered` (never before `sent`) */
    delivered: nonNegativeMs,
    /** from acceptance to the automatic `read`; null: only when the patient reads (control API) */
    read: nonNegativeMs.nullable(),
  }),
  webhook_retry: z.strictObject({
    /** delay before the second attempt */
    first_delay_ms: nonNegativeMs,
    /** each further delay is the previous one times this */
    factor: z.number().min(1).max(100),
    /** no delay grows beyond this */
    max_delay_ms: nonNegativeMs,
    /** attempts in total, the first one included */
    max_attempts: z.number().int().min(1).max(10_000),
    /** no attempt starts later than this after the webhook was queued (Meta: 7 days) */
    max_age_ms: nonNegativeMs,
  }),
  /** per-attempt timeout of a webhook POST or verification GET */
  webhook_timeout_ms: z.number().int().min(1).max(600_000),
  /**
   * Meta serialises webhooks PHP-style: non-ASCII as `\uXXXX` (always done here) and, as observed
   * in raw captures, `/` as `\/`. Not confirmed by Meta's documentation, hence a switch.
   */
  webhook_escape_slashes: z.boolean(),
  /** what a send to a number no patient was registered for meets */
  unknown_recipients: z.enum(['on_whatsapp', 'not_on_whatsapp']),
  /**
   * Messages per second per business number (token bucket, one second of burst). Meta: 80 by
   * default, up to 1000 after the automatic upgrade, 20 for coexistence numbers. Over it: 130429.
   */
  throughput_mps: z.number().int().min(1).max(1000),
  /**
   * Business number → one user: one message per `interval_seconds`, bursts up to `burst`
   * (borrowed from future quota). Meta: 1 per 6 s, bursts of 45. Over it: 131056.
   */
  pair_rate: z.strictObject({
    interval_seconds: z.number().gt(0).max(86_400),
    burst: z.number().int().min(1).max(100_000),
  }),
  /**
   * Business-initiated messaging limit: unique users a WABA may reach outside a customer service
   * window in a moving 24 h. Meta's tiers: 250, 2000, 10000, 100000, unlimited. Over it: the
   * message is accepted and fails with 131048 (Meta documents no dedicated code).
   */
  messaging_limit: z.union([z.number().int().min(1), z.literal('unlimited')]),
  /** how long a media URL from `GET /{media-id}` stays valid (Meta: 5 minutes) */
  media_url_ttl_seconds: z.number().int().min(1).max(86_400),
  /**
   * Media sent by `link` is fetched by Meta before delivery; a link that does not answer 200 with
   * an allowed type and size fails the message with 131053. false: links are taken on trust.
   */
  media_link_fetch: z.boolean(),
  /**
   * Meta may batch several updates into one POST. Webhooks of one number queued within
   * `window_ms` of the first are sent together, up to `max_items`; 1 sends each alone.
   */
  webhook_batch: z.strictObject({
    max_items: z.number().int().min(1).max(1000),
    window_ms: nonNegativeMs,
  }),
  /** the share of webhooks delivered again (`count` more times, same bytes), as Meta's retries to several apps do */
  webhook_duplicates: z.strictObject({
    probability: z.number().min(0).max(1),
    count: z.number().int().min(1).max(10),
  }),
  /**
   * The share of status webhooks held back and sent after the next status of the same number
   * (so `read` may arrive before `delivered`); a held status goes out after `max_hold_ms` anyway.
   */
  webhook_reorder: z.strictObject({
    probability: z.number().min(0).max(1),
    max_hold_ms: nonNegativeMs,
  }),
});
export type Settings = z.infer<typeof SettingsSchema>;

export const DEFAULT_SETTINGS: Settings = {
  window_errors: 'async',
  service_window_seconds: 24 * 3600,
  status_delays_ms: { sent: 100, delivered: 300, read: 600 },
  webhook_retry: {
    first_delay_ms: 1000,
    factor: 2,
    max_delay_ms: 60_000,
    max_attempts: 6,
    max_age_ms: 10 * 60_000,
  },
  webhook_timeout_ms: 5000,
  webhook_escape_slashes: true,
  unknown_recipients: 'on_whatsapp',
  throughput_mps: 80,
  pair_rate: { interval_seconds: 6, burst: 45 },
  messaging_limit: 2000,
  media_url_ttl_seconds: 300,
  media_link_fetch: true,
  webhook_batch: { max_items: 1, window_ms: 0 },
  webhook_duplicates: { probability: 0, count: 1 },
  webhook_reorder: { probability: 0, max_hold_ms: 1000 },
};

export interface SimulatorConfig {
  host: string;
  port: number;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  businesses: BusinessConfig[];
  patients: PatientConfig[];
  settings: Settings;
  /** templates registered at start (in addition to the defaults) */
  templates?: TemplateConfig[];
  /** register the hospital demo templates for every WABA (default true) */
  defaultTemplates?: boolean;
  /**
   * The base URL media URLs are built on (`GET /{media-id}`), when the simulator is reached under
   * another name than the Host header says (a proxy); default: from each request's Host header.
   */
  publicUrl?: string;
}

/** A configuration problem; the message names the variable and never echoes its value. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

const intFrom = (min: number, max: number) => z.coerce.number().int().min(min).max(max);
const msOrOff = z.union([z.literal('off').transform(() => null), z.coerce.number().int().min(0)]);
const bool = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1');

const EnvSchema = z.object({
  WA_SIM_HOST: z.string().min(1).default('0.0.0.0'),
  WA_SIM_PORT: intFrom(0, 65535).default(8090),
  WA_SIM_LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  WA_SIM_BUSINESSES: z.string().optional(),
  WA_SIM_BUSINESSES_FILE: z.string().optional(),
  WA_SIM_PATIENTS: z.string().optional(),
  WA_SIM_PATIENTS_FILE: z.string().optional(),
  WA_SIM_WINDOW_ERRORS: z.enum(['async', 'sync']).optional(),
  WA_SIM_SERVICE_WINDOW_SECONDS: intFrom(1, Number.MAX_SAFE_INTEGER).optional(),
  WA_SIM_STATUS_SENT_DELAY_MS: intFrom(0, Number.MAX_SAFE_INTEGER).optional(),
  WA_SIM_STATUS_DELIVERED_DELAY_MS: intFrom(0, Number.MAX_SAFE_INTEGER).optional(),
  WA_SIM_STATUS_READ_DELAY_MS: msOrOff.optional(),
  WA_SIM_WEBHOOK_RETRY_FIRST_DELAY_MS: intFrom(0, Number.MAX_SAFE_INTEGER).optional(),
  WA_SIM_WEBHOOK_RETRY_FACTOR: z.coerce.number().optional(),
  WA_SIM_WEBHOOK_RETRY_MAX_DELAY_MS: intFrom(0, Number.MAX_SAFE_INTEGER).optional(),
  WA_SIM_WEBHOOK_MAX_ATTEMPTS: intFrom(1, Number.MAX_SAFE_INTEGER).optional(),
  WA_SIM_WEBHOOK_MAX_AGE_MS: intFrom(0, Number.MAX_SAFE_INTEGER).optional(),
  WA_SIM_WEBHOOK_TIMEOUT_MS: intFrom(1, Number.MAX_SAFE_INTEGER).optional(),
  WA_SIM_WEBHOOK_ESCAPE_SLASHES: bool.optional(),
  WA_SIM_UNKNOWN_RECIPIENTS: z.enum(['on_whatsapp', 'not_on_whatsapp']).optional(),
  WA_SIM_TEMPLATES: z.string().optional(),
  WA_SIM_TEMPLATES_FILE: z.string().optional(),
  WA_SIM_DEFAULT_TEMPLATES: bool.optional(),
  WA_SIM_PUBLIC_URL: z.url({ protocol: /^https?$/ }).optional(),
  WA_SIM_THROUGHPUT_MPS: intFrom(1, 1000).optional(),
  WA_SIM_PAIR_RATE_INTERVAL_SECONDS: z.coerce.number().optional(),
  WA_SIM_PAIR_RATE_BURST: intFrom(1, 100_000).optional(),
  WA_SIM_MESSAGING_LIMIT: z.union([z.literal('unlimited'), z.coerce.number().int().min(1)]).optional(),
  WA_SIM_MEDIA_URL_TTL_SECONDS: intFrom(1, 86_400).optional(),
  WA_SIM_MEDIA_LINK_FETCH: bool.optional(),
  WA_SIM_WEBHOOK_BATCH_MAX_ITEMS: intFrom(1, 1000).optional(),
  WA_SIM_WEBHOOK_BATCH_WINDOW_MS: intFrom(0, Number.MAX_SAFE_INTEGER).optional(),
  WA_SIM_WEBHOOK_DUPLICATE_PROBABILITY: z.coerce.number().min(0).max(1).optional(),
  WA_SIM_WEBHOOK_DUPLICATE_COUNT: intFrom(1, 10).optional(),
  WA_SIM_WEBHOOK_REORDER_PROBABILITY: z.coerce.number().min(0).max(1).optional(),
  WA_SIM_WEBHOOK_REORDER_MAX_HOLD_MS: intFrom(0, Number.MAX_SAFE_INTEGER).optional(),
});

type ReadFile = (path: string) => string;

/** Parses the environment; throws ConfigError naming the first offending variable. */
export function loadConfig(
  env: Record<string, string | undefined>,
  readFile: ReadFile = (path) => readFileSync(path, 'utf8'),
): SimulatorConfig {
  // an empty variable means "not set", as in most shells' `VAR= cmd`
  const present = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = EnvSchema.safeParse(present);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ConfigError(
      `invalid ${String(issue?.path[0] ?? 'environment')}: ${issue?.message ?? 'invalid'}`,
    );
  }
  const e = parsed.data;

  const businesses = [
    ...listFrom('WA_SIM_BUSINESSES', e.WA_SIM_BUSINESSES, BusinessSchema),
    ...listFrom(
      'WA_SIM_BUSINESSES_FILE',
      fileText('WA_SIM_BUSINESSES_FILE', e.WA_SIM_BUSINESSES_FILE, readFile),
      BusinessSchema,
    ),
  ];
  const patients = [
    ...listFrom('WA_SIM_PATIENTS', e.WA_SIM_PATIENTS, PatientSchema),
    ...listFrom(
      'WA_SIM_PATIENTS_FILE',
      fileText('WA_SIM_PATIENTS_FILE', e.WA_SIM_PATIENTS_FILE, readFile),
      PatientSchema,
    ),
  ];
  const templates = [
    ...listFrom('WA_SIM_TEMPLATES', e.WA_SIM_TEMPLATES, TemplateInputSchema),
    ...listFrom(
      'WA_SIM_TEMPLATES_FILE',
      fileText('WA_SIM_TEMPLATES_FILE', e.WA_SIM_TEMPLATES_FILE, readFile),
      TemplateInputSchema,
    ),
  ];
  assertUnique(
    'template (waba_id, name, language)',
    templates.map((t) => `${t.waba_id ?? '*'}:${t.name}:${t.language}`),
  );
  assertUnique(
    'phone_number_id',
    businesses.map((b) => b.phone_number_id),
  );
  assertUnique(
    'wa_id',
    patients.map((p) => p.wa_id),
  );

  const d = DEFAULT_SETTINGS;
  const settings = SettingsSchema.safeParse({
    window_errors: e.WA_SIM_WINDOW_ERRORS ?? d.window_errors,
    service_window_seconds: e.WA_SIM_SERVICE_WINDOW_SECONDS ?? d.service_window_seconds,
    status_delays_ms: {
      sent: e.WA_SIM_STATUS_SENT_DELAY_MS ?? d.status_delays_ms.sent,
      delivered: e.WA_SIM_STATUS_DELIVERED_DELAY_MS ?? d.status_delays_ms.delivered,
      read:
        e.WA_SIM_STATUS_READ_DELAY_MS === undefined ? d.status_delays_ms.read : e.WA_SIM_STATUS_READ_DELAY_MS,
    },
    webhook_retry: {
      first_delay_ms: e.WA_SIM_WEBHOOK_RETRY_FIRST_DELAY_MS ?? d.webhook_retry.first_delay_ms,
      factor: e.WA_SIM_WEBHOOK_RETRY_FACTOR ?? d.webhook_retry.factor,
      max_delay_ms: e.WA_SIM_WEBHOOK_RETRY_MAX_DELAY_MS ?? d.webhook_retry.max_delay_ms,
      max_attempts: e.WA_SIM_WEBHOOK_MAX_ATTEMPTS ?? d.webhook_retry.max_attempts,
      max_age_ms: e.WA_SIM_WEBHOOK_MAX_AGE_MS ?? d.webhook_retry.max_age_ms,
    },
    webhook_timeout_ms: e.WA_SIM_WEBHOOK_TIMEOUT_MS ?? d.webhook_timeout_ms,
    webhook_escape_slashes: e.WA_SIM_WEBHOOK_ESCAPE_SLASHES ?? d.webhook_escape_slashes,
    unknown_recipients: e.WA_SIM_UNKNOWN_RECIPIENTS ?? d.unknown_recipients,
    throughput_mps: e.WA_SIM_THROUGHPUT_MPS ?? d.throughput_mps,
    pair_rate: {
      interval_seconds: e.WA_SIM_PAIR_RATE_INTERVAL_SECONDS ?? d.pair_rate.interval_seconds,
      burst: e.WA_SIM_PAIR_RATE_BURST ?? d.pair_rate.burst,
    },
    messaging_limit: e.WA_SIM_MESSAGING_LIMIT ?? d.messaging_limit,
    media_url_ttl_seconds: e.WA_SIM_MEDIA_URL_TTL_SECONDS ?? d.media_url_ttl_seconds,
    media_link_fetch: e.WA_SIM_MEDIA_LINK_FETCH ?? d.media_link_fetch,
    webhook_batch: {
      max_items: e.WA_SIM_WEBHOOK_BATCH_MAX_ITEMS ?? d.webhook_batch.max_items,
      window_ms: e.WA_SIM_WEBHOOK_BATCH_WINDOW_MS ?? d.webhook_batch.window_ms,
    },
    webhook_duplicates: {
      probability: e.WA_SIM_WEBHOOK_DUPLICATE_PROBABILITY ?? d.webhook_duplicates.probability,
      count: e.WA_SIM_WEBHOOK_DUPLICATE_COUNT ?? d.webhook_duplicates.count,
    },
    webhook_reorder: {
      probability: e.WA_SIM_WEBHOOK_REORDER_PROBABILITY ?? d.webhook_reorder.probability,
      max_hold_ms: e.WA_SIM_WEBHOOK_REORDER_MAX_HOLD_MS ?? d.webhook_reorder.max_hold_ms,
    },
  });
  if (!settings.success) {
    const issue = settings.error.issues[0];
    throw new ConfigError(`invalid setting ${issue?.path.join('.') ?? ''}: ${issue?.message ?? 'invalid'}`);
  }

  return {
    host: e.WA_SIM_HOST,
    port: e.WA_SIM_PORT,
    logLevel: e.WA_SIM_LOG_LEVEL,
    businesses,
    patients,
    settings: settings.data,
    templates,
    defaultTemplates: e.WA_SIM_DEFAULT_TEMPLATES ?? true,
    ...(e.WA_SIM_PUBLIC_URL === undefined ? {} : { publicUrl: e.WA_SIM_PUBLIC_URL.replace(/\/+$/, '') }),
  };
}

function fileText(variable: string, path: string | undefined, readFile: ReadFile): string | undefined {
  if (path === undefined) return undefined;
  try {
    return readFile(path);
  } catch {
    throw new ConfigError(`${variable}: cannot read the file it names`);
  }
}

/** A JSON array (or a single object) of entries, each checked against the schema. */
function listFrom<T>(variable: string, text: string | undefined, schema: z.ZodType<T>): T[] {
  if (text === undefined) return [];
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new ConfigError(`${variable}: not valid JSON`);
  }
  const parsed = z.array(schema).safeParse(Array.isArray(json) ? json : [json]);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ConfigError(
      `${variable}: entry ${issue?.path.join('.') ?? ''}: ${issue?.message ?? 'invalid'}`,
    );
  }
  return parsed.data;
}

function assertUnique(field: string, values: string[]): void {
  if (new Set(values).size !== values.length)
    throw new ConfigError(`duplicate ${field} in the configured entries`);
}
