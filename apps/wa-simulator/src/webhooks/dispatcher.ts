// Delivers webhooks the way Meta does: the body serialised once (non-ASCII escaped), signed with
// the business's app secret over exactly those bytes, POSTed, and retried with exponential
// back-off until the receiver answers HTTP 200 (nothing else counts as success), the attempts run
// out or the webhook grows too old. Each business number has its own FIFO queue: a webhook waits
// until the one before it succeeded or was given up, so a receiver that is down sees the same
// order once it is back. Every attempt lands in the delivery log (`GET /_sim/webhooks`).
import { createHmac } from 'node:crypto';
import type { Settings } from '../config';
import type { Clock } from '../clock';
import type { Scheduler } from '../scheduler';
import type { Business } from '../store';
import type { Logger } from '../logger';
import { serializeLikeMeta } from '../meta-json';
import type { WebhookEnvelope } from './payloads';

export type DeliveryState = 'pending' | 'delivered' | 'failed' | 'skipped';

export interface DeliveryAttempt {
  number: number;
  started_at: string;
  duration_ms: number;
  /** the receiver's HTTP status; null when it never answered */
  status_code: number | null;
  /** `timeout`, `ECONNREFUSED` …, when there was no HTTP answer */
  error: string | null;
}

export interface DeliveryRecord {
  id: string;
  phone_number_id: string;
  kind: 'message' | 'status';
  /** the wamid the webhook is about (inbound message id, or the outbound id of a status) */
  message_id: string;
  /** for status webhooks: sent | delivered | read | failed */
  status: string | null;
  state: DeliveryState;
  /** why it failed or was skipped */
  reason: string | null;
  /** the URL of the last attempt */
  url: string | null;
  enqueued_at: string;
  finished_at: string | null;
  attempts: DeliveryAttempt[];
  /** the `X-Hub-Signature-256` header value */
  signature: string;
  /** the legacy `X-Hub-Signature` (SHA-1) header value Meta still sends alongside */
  signature_sha1: string;
  /** the exact body sent, every byte of it */
  body: string;
}

export interface DeliveryRef {
  kind: DeliveryRecord['kind'];
  message_id: string;
  status?: string;
}

export interface WebhookDispatcher {
  enqueue(business: Business, payload: WebhookEnvelope, ref: DeliveryRef): DeliveryRecord;
  log(): readonly DeliveryRecord[];
  /** drops every queue and the log; attempts under way are aborted */
  reset(): void;
}

export interface DispatcherDeps {
  /** the business as it is now (its webhook URL may change between attempts) */
  getBusiness(phoneNumberId: string): Business | undefined;
  settings(): Settings;
  clock: Clock;
  scheduler: Scheduler;
  fetch: typeof fetch;
  logger: Logger;
}

/** Oldest finished records are dropped beyond this, so a long demo does not grow without bound. */
const LOG_LIMIT = 10_000;

interface Queue {
  items: DeliveryRecord[];
  running: boolean;
}

interface Generation {
  controller: AbortController;
  queues: Map<string, Queue>;
}

export function createWebhookDispatcher(deps: DispatcherDeps): WebhookDispatcher {
  const { clock, scheduler, logger } = deps;
  let records: DeliveryRecord[] = [];
  let sequence = 0;
  let generation: Generation = { controller: new AbortController(), queues: new Map() };

  const iso = () => new Date(clock.now()).toISOString();

  function enqueue(business: Business, payload: WebhookEnvelope, ref: DeliveryRef): DeliveryRecord {
    // Serialised once here; these exact bytes are signed and sent on every attempt.
    const body = serializeLikeMeta(payload, { escapeSlashes: deps.settings().webhook_escape_slashes });
    const record: DeliveryRecord = {
      id: `dlv_${++sequence}`,
      phone_number_id: business.phone_number_id,
      kind: ref.kind,
      message_id: ref.message_id,
      status: ref.status ?? null,
      state: 'pending',
      reason: null,
      url: business.webhook_url ?? null,
      enqueued_at: iso(),
      finished_at: null,
      attempts: [],
      signature: `sha256=${createHmac('sha256', business.app_secret).update(body, 'utf8').digest('hex')}`,
      signature_sha1: `sha1=${createHmac('sha1', business.app_secret).update(body, 'utf8').digest('hex')}`,
      body,
    };
    records.push(record);
    trimLog();
    // Fault knobs (duplicate deliveries, reordered statuses) belong here: they decide how many
    // copies of the record enter which queue position. Not built yet.
    const current = generation;
    let queue = current.queues.get(business.phone_number_id);
    if (!queue) {
      queue = { items: [], running: false };
      current.queues.set(business.phone_number_id, queue);
    }
    queue.items.push(record);
    void pump(queue, current);
    return record;
  }

  async function pump(queue: Queue, gen: Generation): Promise<void> {
    if (queue.running) return;
    queue.running = true;
    try {
      while (!gen.controller.signal.aborted) {
        const record = queue.items[0];
        if (!record) break;
        await deliver(record, gen);
        queue.items.shift();
      }
    } catch (error) {
      logger.error({ err: error }, 'webhook queue stopped on an unexpected error');
    } finally {
      queue.running = false;
    }
  }

  async function deliver(record: DeliveryRecord, gen: Generation): Promise<void> {
    const enqueuedAt = Date.parse(record.enqueued_at);
    for (;;) {
      if (gen.controller.signal.aborted) return;
      const business = deps.getBusiness(record.phone_number_id);
      const url = business?.webhook_url;
      if (!url) {
        finish(record, 'skipped', 'no webhook_url registered for this phone number');
        return;
      }
      record.url = url;
      const attempt = await post(url, record, gen.controller.signal);
      record.attempts.push(attempt);
      if (gen.controller.signal.aborted) return;
      if (attempt.status_code === 200) {
        finish(record, 'delivered', null);
        logger.debug({ delivery: record.id, attempts: record.attempts.length }, 'webhook delivered');
        return;
      }
      const retry = deps.settings().webhook_retry;
      const n = record.attempts.length;
      if (n >= retry.max_attempts) {
        finish(record, 'failed', `gave up after ${n} attempts`);
        logger.warn({ delivery: record.id, attempts: n }, 'webhook given up: attempts exhausted');
        return;
      }
      const delay = Math.min(retry.first_delay_ms * retry.factor ** (n - 1), retry.max_delay_ms);
      if (clock.now() + delay - enqueuedAt > retry.max_age_ms) {
        finish(record, 'failed', `gave up after ${n} attempts: older than max_age_ms`);
        logger.warn({ delivery: record.id, attempts: n }, 'webhook given up: too old');
        return;
      }
      logger.debug(
        { delivery: record.id, attempt: n, status: attempt.status_code, error: attempt.error, delay },
        'webhook attempt failed',
      );
      if (!(await scheduler.sleep(delay))) return;
    }
  }

  async function post(url: string, record: DeliveryRecord, cancel: AbortSignal): Promise<DeliveryAttempt> {
    const started = clock.now();
    const base = { number: record.attempts.length + 1, started_at: new Date(started).toISOString() };
    try {
      const signal = AbortSignal.any([cancel, AbortSignal.timeout(deps.settings().webhook_timeout_ms)]);
      const response = await deps.fetch(url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'user-agent': 'facebookexternalua',
          'x-hub-signature-256': record.signature,
          // Meta still sends the SHA-1 header alongside; receivers must use the SHA-256 one
          'x-hub-signature': record.signature_sha1,
        },
        body: record.body,
        redirect: 'manual',
        signal,
      });
      // read the answer so the connection is reusable; its content does not matter to Meta
      await response.arrayBuffer().catch(() => undefined);
      return { ...base, duration_ms: clock.now() - started, status_code: response.status, error: null };
    } catch (error) {
      return {
        ...base,
        duration_ms: clock.now() - started,
        status_code: null,
        error: describeNetworkError(error),
      };
    }
  }

  function finish(record: DeliveryRecord, state: DeliveryState, reason: string | null): void {
    record.state = state;
    record.reason = reason;
    record.finished_at = iso();
  }

  function trimLog(): void {
    if (records.length <= LOG_LIMIT) return;
    let excess = records.length - LOG_LIMIT;
    records = records.filter((r) => {
      if (excess > 0 && r.state !== 'pending') {
        excess--;
        return false;
      }
      return true;
    });
  }

  return {
    enqueue,
    log: () => records,
    reset() {
      generation.controller.abort();
      generation = { controller: new AbortController(), queues: new Map() };
      records = [];
    },
  };
}

function describeNetworkError(error: unknown): string {
  if (error instanceof Error) {
    if (error.name === 'TimeoutError') return 'timeout';
    if (error.name === 'AbortError') return 'aborted';
    const cause: unknown = error.cause;
    if (cause && typeof cause === 'object' && 'code' in cause && typeof cause.code === 'string')
      return cause.code;
    return error.message;
  }
  return 'network error';
}
