// Delivers webhooks the way Meta does: the body serialised once (non-ASCII escaped), signed with
// the business's app secret over exactly those bytes, POSTed, and retried with exponential
// back-off until the receiver answers HTTP 200 (nothing else counts as success), the attempts run
// out or the webhook grows too old. Each business number has its own FIFO queue: a webhook waits
// until the one before it succeeded or was given up, so a receiver that is down sees the same
// order once it is back. Every attempt lands in the delivery log (`GET /_sim/webhooks`).
//
// Meta's delivery quirks, each off by default and switched on in the settings:
// - batching: webhooks of one number queued within `webhook_batch.window_ms` of the first go out
//   as one POST (up to `max_items`), one record in the log with every item in `items`;
// - duplicates: a share of POSTs is delivered again, `count` more times, with the same bytes and
//   signature (records with `duplicate_of`), as retries to several subscribed apps do;
// - reordering: a share of status webhooks is held back and sent right after the next status of
//   the same number (or after `max_hold_ms`), so `read` may arrive before `delivered`.
import { createHmac } from 'node:crypto';
import type { Settings } from '../config';
import type { Clock } from '../clock';
import type { Scheduler, Cancel } from '../scheduler';
import type { Business } from '../store';
import type { Logger } from '../logger';
import { serializeLikeMeta } from '../meta-json';
import { mergeEnvelopes, type WebhookEnvelope } from './payloads';

export type DeliveryState = 'pending' | 'delivered' | 'failed' | 'skipped';
export type DeliveryKind = 'message' | 'status' | 'user_preferences' | 'template_status';

export interface DeliveryAttempt {
  number: number;
  started_at: string;
  duration_ms: number;
  /** the receiver's HTTP status; null when it never answered */
  status_code: number | null;
  /** `timeout`, `ECONNREFUSED` …, when there was no HTTP answer */
  error: string | null;
}

export interface DeliveryRef {
  kind: DeliveryKind;
  /** the wamid the webhook is about (inbound message id, or the outbound id of a status); null for others */
  message_id: string | null;
  status?: string;
}

export interface DeliveryRecord {
  id: string;
  phone_number_id: string;
  /** of the first item (a batch may hold several) */
  kind: DeliveryKind;
  /** the wamid of the first item */
  message_id: string | null;
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
  /** the `X-Hub-Signature-256` header value ('' while a batch is still collecting) */
  signature: string;
  /** the legacy `X-Hub-Signature` (SHA-1) header value Meta still sends alongside */
  signature_sha1: string;
  /** the exact body sent, every byte of it ('' while a batch is still collecting) */
  body: string;
  /** every update this POST carries, in order */
  items: { kind: DeliveryKind; message_id: string | null; status: string | null }[];
  /** set on an injected duplicate: the record whose bytes it repeats */
  duplicate_of: string | null;
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
  /** for duplicate and reorder probabilities */
  random?: () => number;
}

/** Oldest finished records are dropped beyond this, so a long demo does not grow without bound. */
const LOG_LIMIT = 10_000;

interface OpenBatch {
  record: DeliveryRecord;
  business: Business;
  payloads: WebhookEnvelope[];
  cancel: Cancel;
}

interface HeldStatus {
  record: DeliveryRecord;
  business: Business;
  payload: WebhookEnvelope;
  cancel: Cancel;
}

interface NumberState {
  /** sealed records waiting for delivery, in order */
  items: DeliveryRecord[];
  running: boolean;
  open: OpenBatch | null;
  held: HeldStatus | null;
}

interface Generation {
  controller: AbortController;
  numbers: Map<string, NumberState>;
}

export function createWebhookDispatcher(deps: DispatcherDeps): WebhookDispatcher {
  const { clock, scheduler, logger } = deps;
  const random = deps.random ?? Math.random;
  let records: DeliveryRecord[] = [];
  let sequence = 0;
  let generation: Generation = { controller: new AbortController(), numbers: new Map() };

  const iso = () => new Date(clock.now()).toISOString();

  function stateOf(gen: Generation, phoneNumberId: string): NumberState {
    let state = gen.numbers.get(phoneNumberId);
    if (!state) {
      state = { items: [], running: false, open: null, held: null };
      gen.numbers.set(phoneNumberId, state);
    }
    return state;
  }

  function newRecord(business: Business, ref: DeliveryRef): DeliveryRecord {
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
      signature: '',
      signature_sha1: '',
      body: '',
      items: [{ kind: ref.kind, message_id: ref.message_id, status: ref.status ?? null }],
      duplicate_of: null,
    };
    records.push(record);
    trimLog();
    return record;
  }

  /** Serialised once here; these exact bytes are signed and sent on every attempt. */
  function seal(
    gen: Generation,
    record: DeliveryRecord,
    business: Business,
    payloads: WebhookEnvelope[],
  ): void {
    const envelope = payloads.length === 1 ? payloads[0]! : mergeEnvelopes(payloads);
    const body = serializeLikeMeta(envelope, { escapeSlashes: deps.settings().webhook_escape_slashes });
    record.body = body;
    record.signature = `sha256=${createHmac('sha256', business.app_secret).update(body, 'utf8').digest('hex')}`;
    record.signature_sha1 = `sha1=${createHmac('sha1', business.app_secret).update(body, 'utf8').digest('hex')}`;
    const state = stateOf(gen, record.phone_number_id);
    state.items.push(record);
    const duplicates = deps.settings().webhook_duplicates;
    if (duplicates.probability > 0 && random() < duplicates.probability) {
      for (let i = 0; i < duplicates.count; i++) {
        const copy: DeliveryRecord = {
          ...record,
          id: `dlv_${++sequence}`,
          attempts: [],
          items: record.items.map((item) => ({ ...item })),
          duplicate_of: record.id,
        };
        records.push(copy);
        state.items.push(copy);
      }
    }
    void pump(state, gen);
  }

  function closeBatch(gen: Generation, state: NumberState, record: DeliveryRecord): void {
    const open = state.open;
    if (!open || open.record !== record) return;
    state.open = null;
    open.cancel();
    seal(gen, open.record, open.business, open.payloads);
  }

  /** Into the open batch of the number, or a batch of its own. */
  function add(
    gen: Generation,
    business: Business,
    payload: WebhookEnvelope,
    ref: DeliveryRef,
  ): DeliveryRecord {
    const state = stateOf(gen, business.phone_number_id);
    const batch = deps.settings().webhook_batch;
    const open = state.open;
    if (open && open.payloads.length < batch.max_items) {
      open.payloads.push(payload);
      open.record.items.push({ kind: ref.kind, message_id: ref.message_id, status: ref.status ?? null });
      if (open.payloads.length >= batch.max_items) closeBatch(gen, state, open.record);
      return open.record;
    }
    const record = newRecord(business, ref);
    if (batch.max_items <= 1) {
      seal(gen, record, business, [payload]);
      return record;
    }
    state.open = { record, business, payloads: [payload], cancel: () => undefined };
    state.open.cancel = scheduler.after(batch.window_ms, () => closeBatch(gen, state, record));
    return record;
  }

  function releaseHeld(gen: Generation, state: NumberState): void {
    const held = state.held;
    if (!held) return;
    state.held = null;
    held.cancel();
    seal(gen, held.record, held.business, [held.payload]);
  }

  function enqueue(business: Business, payload: WebhookEnvelope, ref: DeliveryRef): DeliveryRecord {
    const gen = generation;
    const state = stateOf(gen, business.phone_number_id);
    if (ref.kind === 'status') {
      if (state.held) {
        // this one first (sealing its batch now), then the one held back: the two swap places
        const record = add(gen, business, payload, ref);
        if (state.open) closeBatch(gen, state, state.open.record);
        releaseHeld(gen, state);
        return record;
      }
      const reorder = deps.settings().webhook_reorder;
      if (reorder.probability > 0 && random() < reorder.probability) {
        const record = newRecord(business, ref);
        const cancel = scheduler.after(reorder.max_hold_ms, () => releaseHeld(gen, state));
        state.held = { record, business, payload, cancel };
        return record;
      }
    }
    return add(gen, business, payload, ref);
  }

  async function pump(state: NumberState, gen: Generation): Promise<void> {
    if (state.running) return;
    state.running = true;
    try {
      while (!gen.controller.signal.aborted) {
        const record = state.items[0];
        if (!record) break;
        await deliver(record, gen);
        state.items.shift();
      }
    } catch (error) {
      logger.error({ err: error }, 'webhook queue stopped on an unexpected error');
    } finally {
      state.running = false;
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
      generation = { controller: new AbortController(), numbers: new Map() };
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
