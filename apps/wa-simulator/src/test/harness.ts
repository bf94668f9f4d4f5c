// Test support for the simulator's contract tests: the real simulator on an ephemeral port, and a
// small real receiver (node:http) standing in for Careline's webhook endpoint, which records the
// raw bytes it was sent. Not a library: only this project's tests import it.
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  DEFAULT_SETTINGS,
  type BusinessConfig,
  type PatientConfig,
  type Settings,
  type SimulatorConfig,
} from '../config';
import { buildSimulator, type Simulator } from '../simulator';

export const BUSINESS: BusinessConfig = {
  phone_number_id: '106540352242922',
  display_phone_number: '15550783881',
  waba_id: '102290129340398',
  access_token: 'EAAG-test-token',
  app_secret: 'test-app-secret',
  verify_token: 'test-verify-token',
};

export const PATIENT: PatientConfig = {
  wa_id: '16505551234',
  profile_name: 'Sheena Nelson',
  on_whatsapp: true,
};

/** Fast timings so a test sees a whole message life in well under a second. */
export const FAST_SETTINGS: Settings = {
  ...DEFAULT_SETTINGS,
  status_delays_ms: { sent: 20, delivered: 60, read: 120 },
  webhook_retry: { first_delay_ms: 50, factor: 2, max_delay_ms: 1000, max_attempts: 5, max_age_ms: 60_000 },
  webhook_timeout_ms: 2000,
};

export interface RunningSimulator {
  sim: Simulator;
  baseUrl: string;
  close(): Promise<void>;
}

export async function startSimulator(
  options: {
    businesses?: BusinessConfig[];
    patients?: PatientConfig[];
    settings?: Partial<Settings>;
    templates?: SimulatorConfig['templates'];
    defaultTemplates?: boolean;
    random?: () => number;
  } = {},
): Promise<RunningSimulator> {
  const config: SimulatorConfig = {
    host: '127.0.0.1',
    port: 0,
    logLevel: 'silent',
    businesses: options.businesses ?? [BUSINESS],
    patients: options.patients ?? [PATIENT],
    settings: { ...FAST_SETTINGS, ...options.settings },
    ...(options.templates ? { templates: options.templates } : {}),
    ...(options.defaultTemplates === undefined ? {} : { defaultTemplates: options.defaultTemplates }),
  };
  const sim = buildSimulator(config, options.random ? { random: options.random } : {});
  await sim.app.listen({ host: config.host, port: 0 });
  const { port } = sim.app.server.address() as AddressInfo;
  return { sim, baseUrl: `http://127.0.0.1:${port}`, close: () => sim.close() };
}

export interface ReceivedRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  raw: Buffer;
}

export interface Receiver {
  url: string;
  requests: ReceivedRequest[];
  /** the POSTs, in arrival order */
  posts(): ReceivedRequest[];
  /** answer the next POSTs with these statuses, then 200 */
  respondWith(statuses: number[]): void;
  close(): Promise<void>;
}

/** A webhook endpoint that answers the verification handshake like Careline's gateway should. */
export async function startReceiver(verifyToken = BUSINESS.verify_token): Promise<Receiver> {
  const requests: ReceivedRequest[] = [];
  let planned: number[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      requests.push({
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        raw: Buffer.concat(chunks),
      });
      if (req.method === 'GET') {
        const query = new URL(req.url ?? '/', 'http://receiver').searchParams;
        if (query.get('hub.mode') === 'subscribe' && query.get('hub.verify_token') === verifyToken) {
          res.writeHead(200, { 'content-type': 'text/plain' }).end(query.get('hub.challenge') ?? '');
        } else {
          res.writeHead(403).end();
        }
        return;
      }
      const status = planned.shift() ?? 200;
      res.writeHead(status).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/webhooks/whatsapp`,
    requests,
    posts: () => requests.filter((r) => r.method === 'POST'),
    respondWith: (statuses) => {
      planned = [...statuses];
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Polls until `probe` returns a value (not undefined) or the time is up. */
export async function waitFor<T>(
  probe: () => T | undefined | Promise<T | undefined>,
  timeoutMs = 5000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('waitFor: condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

export interface HttpResult<T> {
  status: number;
  /** the parsed JSON answer; the type is the test's expectation, checked by its assertions */
  body: T;
  text: string;
}

export async function request<T = unknown>(
  baseUrl: string,
  method: string,
  path: string,
  options: { body?: unknown; rawBody?: string; token?: string; headers?: Record<string, string> } = {},
): Promise<HttpResult<T>> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`;
  let body: string | undefined = options.rawBody;
  if (options.body !== undefined) {
    body = JSON.stringify(options.body);
    headers['content-type'] = 'application/json';
  }
  const response = await fetch(`${baseUrl}${path}`, { method, headers, body });
  const text = await response.text();
  let parsed: unknown = undefined;
  try {
    parsed = text === '' ? undefined : JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  return { status: response.status, body: parsed as T, text };
}

/** A text send through the Graph API, as Careline's gateway makes it. */
export function sendText<T = unknown>(
  baseUrl: string,
  text: string,
  overrides: Record<string, unknown> = {},
  token = BUSINESS.access_token,
) {
  return request<T>(baseUrl, 'POST', `/v23.0/${BUSINESS.phone_number_id}/messages`, {
    token,
    body: {
      messaging_product: 'whatsapp',
      recipient_type: 'individual',
      to: `+${PATIENT.wa_id}`,
      type: 'text',
      text: { body: text },
      ...overrides,
    },
  });
}

/** The simulated patient writes to the business (opens the window). */
export function patientWrites(baseUrl: string, text: string, waId = PATIENT.wa_id) {
  return request<{ id: string; timestamp: string; delivery_id: string }>(
    baseUrl,
    'POST',
    `/_sim/patients/${waId}/messages`,
    { body: { phone_number_id: BUSINESS.phone_number_id, text } },
  );
}

/** Any Graph send, as Careline's gateway makes it; `body` is merged over the envelope. */
export function sendMessage<T = unknown>(
  baseUrl: string,
  body: Record<string, unknown>,
  options: { token?: string; phoneNumberId?: string } = {},
) {
  return request<T>(baseUrl, 'POST', `/v23.0/${options.phoneNumberId ?? BUSINESS.phone_number_id}/messages`, {
    token: options.token ?? BUSINESS.access_token,
    body: { messaging_product: 'whatsapp', recipient_type: 'individual', to: PATIENT.wa_id, ...body },
  });
}

/** The simulated patient does something (any kind of message) to the business. */
export function patientSends<T = { id: string; timestamp: string; delivery_id: string }>(
  baseUrl: string,
  body: Record<string, unknown>,
  waId = PATIENT.wa_id,
) {
  return request<T>(baseUrl, 'POST', `/_sim/patients/${waId}/messages`, {
    body: { phone_number_id: BUSINESS.phone_number_id, ...body },
  });
}

export interface GraphErrorReply {
  error: {
    message: string;
    type: string;
    code: number;
    error_subcode?: number;
    error_data: { messaging_product: string; details: string };
    fbtrace_id: string;
  };
}

export interface SendReply {
  messaging_product: string;
  contacts: { input: string; wa_id: string }[];
  messages: { id: string; message_status: string }[];
}

/** The id of an accepted send (throws with the answer when it was refused). */
export function acceptedId(result: HttpResult<unknown>): string {
  const id = (result.body as Partial<SendReply> | undefined)?.messages?.[0]?.id;
  if (result.status !== 200 || id === undefined)
    throw new Error(`send refused: ${result.status} ${result.text}`);
  return id;
}

/** Advances the simulator's clock (and freezes it first when asked). */
export async function advanceClock(baseUrl: string, seconds: number): Promise<void> {
  await request(baseUrl, 'POST', '/_sim/clock/advance', { body: { seconds } });
}
