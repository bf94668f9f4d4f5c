// What happens to an accepted outbound message: `sent`, then `delivered`, then `read` status
// webhooks after the configured delays (read only when automatic reading is on, or when the
// patient reads through the control API), or a single `failed` status for a message Meta
// accepted but will not deliver (131026 not on WhatsApp, 131047 window closed, injected faults).
// Statuses only move forward; reaching a later one emits the ones skipped on the way, so a
// receiver never sees `read` for a message it was not told was delivered.
import { unixSeconds, type Clock } from '../clock';
import type { Settings } from '../config';
import type { WebhookError } from '../graph/errors';
import type { Scheduler } from '../scheduler';
import type { OutboundMessage, OutboundStatus, Store } from '../store';
import type { WebhookDispatcher } from '../webhooks/dispatcher';
import { conversationObject, statusWebhook, type StatusObject } from '../webhooks/payloads';

export type ForwardStatus = 'sent' | 'delivered' | 'read';

const ORDER: readonly ForwardStatus[] = ['sent', 'delivered', 'read'];

function rank(status: OutboundStatus): number {
  switch (status) {
    case 'accepted':
      return 0;
    case 'sent':
      return 1;
    case 'delivered':
      return 2;
    case 'read':
      return 3;
    case 'failed':
      return 4;
  }
}

export interface MessageLifecycle {
  /**
   * Schedules what follows acceptance: the `failed` status when the message carries a failure,
   * else sent → delivered → (automatic) read. With a preflight (Meta fetching the message's
   * media), its outcome comes first: a problem makes the message fail with it instead.
   */
  start(message: OutboundMessage, preflight?: Promise<WebhookError | null>): void;
  /** moves the message forward to `target` now, emitting every status skipped on the way */
  advance(message: OutboundMessage, target: ForwardStatus): void;
}

export interface LifecycleDeps {
  store: Store;
  dispatcher: WebhookDispatcher;
  scheduler: Scheduler;
  clock: Clock;
  settings(): Settings;
  onError(error: unknown): void;
}

export function createMessageLifecycle(deps: LifecycleDeps): MessageLifecycle {
  // messages whose media Meta is still fetching: nothing may happen to them until it is done
  const preflighting = new WeakSet<OutboundMessage>();

  const opaque = (message: OutboundMessage): { biz_opaque_callback_data?: string } =>
    message.biz_opaque_callback_data === null
      ? {}
      : { biz_opaque_callback_data: message.biz_opaque_callback_data };

  function emit(message: OutboundMessage, statusObject: StatusObject): void {
    message.status = statusObject.status;
    message.statuses.push({
      status: statusObject.status,
      timestamp: statusObject.timestamp,
      ...(statusObject.errors ? { errors: statusObject.errors } : {}),
    });
    const business = deps.store.businesses.get(message.phone_number_id);
    // a number deleted meanwhile has nobody to tell
    if (!business) return;
    deps.dispatcher.enqueue(business, statusWebhook(business, statusObject), {
      kind: 'status',
      message_id: message.id,
      status: statusObject.status,
    });
  }

  function advance(message: OutboundMessage, target: ForwardStatus): void {
    // a stale timer of a message from before a reset, or a message that is going to fail
    if (deps.store.outbound.get(message.id) !== message || message.failure !== null) return;
    if (preflighting.has(message)) return;
    for (const status of ORDER) {
      if (rank(status) > rank(target)) break;
      if (rank(status) <= rank(message.status)) continue;
      const billed = status !== 'read' && message.pricing !== null;
      emit(message, {
        id: message.id,
        status,
        timestamp: unixSeconds(deps.clock.now()),
        recipient_id: message.wa_id,
        ...opaque(message),
        ...(billed && message.conversation
          ? { conversation: conversationObject(message.conversation, status === 'sent') }
          : {}),
        ...(billed && message.pricing ? { pricing: message.pricing } : {}),
      });
    }
  }

  function fail(message: OutboundMessage, error: WebhookError): void {
    if (deps.store.outbound.get(message.id) !== message || message.status !== 'accepted') return;
    // failed statuses come without pricing (fact sheet, example C)
    emit(message, {
      id: message.id,
      status: 'failed',
      timestamp: unixSeconds(deps.clock.now()),
      recipient_id: message.wa_id,
      ...opaque(message),
      errors: [error],
    });
  }

  return {
    advance,
    start(message, preflight) {
      if (preflight) {
        preflighting.add(message);
        preflight.then(
          (failure) => {
            preflighting.delete(message);
            if (deps.store.outbound.get(message.id) !== message) return;
            if (failure) {
              message.failure = failure;
              message.pricing = null;
              message.conversation = null;
            }
            schedule(message);
          },
          (error: unknown) => deps.onError(error),
        );
        return;
      }
      schedule(message);
    },
  };

  function schedule(message: OutboundMessage): void {
    const delays = deps.settings().status_delays_ms;
    const failure = message.failure;
    if (failure !== null) {
      deps.scheduler.after(delays.sent, () => fail(message, failure));
      return;
    }
    const delivered = Math.max(delays.sent, delays.delivered);
    deps.scheduler.after(delays.sent, () => advance(message, 'sent'));
    deps.scheduler.after(delivered, () => advance(message, 'delivered'));
    if (delays.read !== null)
      deps.scheduler.after(Math.max(delivered, delays.read), () => advance(message, 'read'));
  }
}
