// The gateway's own Prometheus series, registered on the app's registry (never the global one).
// Labels are closed sets (reasons, kinds, outcomes): never ids, numbers or anything a patient wrote.
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/** Why a webhook POST was not (or not entirely) published. */
export type WebhookRefusal =
  | 'bad_signature'
  | 'too_large'
  | 'not_json'
  | 'kafka_unavailable'
  | 'unknown_number'
  | 'app_mismatch';

export interface GatewayMetrics {
  webhookAccepted(): void;
  webhookRefused(reason: WebhookRefusal): void;
  /** Time from "start publishing" to the broker's acknowledgement (or the failure). */
  observePublish(seconds: number, outcome: 'ok' | 'failed'): void;
  outboundResult(outcome: 'accepted' | 'failed', reason: string): void;
  graphCall(seconds: number, outcome: string): void;
  graphRetry(kind: string): void;
  /** A concluded send, by outcome and code (Meta's error code, a Careline code, or `none`). */
  send(outcome: 'accepted' | 'failed', code: string): void;
  /** A Graph call answered with a limit error: 130429 (throughput) or 131056 (pair rate). */
  limitError(code: '130429' | '131056'): void;
  /** A wait before a Graph call, by cause. */
  throttleWait(cause: 'pair' | 'paused' | 'throughput', seconds: number): void;
  /** The send rate a number is held to now (its cap until a 130429 halves it). */
  sendRate(phoneNumberId: string, ratePerSec: number): void;
  /** A send that may have reached Meta twice (see the send ledger). */
  possibleDuplicate(cause: 'ledger_pending' | 'timeout_retry'): void;
  /** A redelivered command answered from the send ledger, without calling Meta. */
  ledgerReplay(): void;
  /** A number paused its partition after its in-place retries of 130429 ran out. */
  partitionPaused(): void;
}

export function createGatewayMetrics(registry: Registry): GatewayMetrics {
  const accepted = new Counter({
    name: 'gateway_webhooks_accepted_total',
    help: 'Webhook POSTs published to Kafka and answered 200.',
    registers: [registry],
  });
  const refused = new Counter({
    name: 'gateway_webhooks_refused_total',
    help:
      'Webhook POSTs not published, by reason: bad_signature (401), too_large (413), not_json (400), ' +
      'app_mismatch (403), kafka_unavailable (503), unknown_number (200: not ours, nothing to retry).',
    labelNames: ['reason'] as const,
    registers: [registry],
  });
  const publish = new Histogram({
    name: 'gateway_webhook_publish_duration_seconds',
    help: 'Time to publish one webhook to Kafka with acks=all, by outcome.',
    labelNames: ['outcome'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  const results = new Counter({
    name: 'gateway_outbound_results_total',
    help: 'Outbound send commands concluded, by outcome and reason (Graph error kind or Careline code).',
    labelNames: ['outcome', 'reason'] as const,
    registers: [registry],
  });
  const graph = new Histogram({
    name: 'gateway_graph_request_duration_seconds',
    help: 'Graph API send calls, by outcome (ok or the error kind).',
    labelNames: ['outcome'] as const,
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [registry],
  });
  const retries = new Counter({
    name: 'gateway_graph_retries_total',
    help: 'Graph API calls retried inside the sender, by error kind.',
    labelNames: ['kind'] as const,
    registers: [registry],
  });
  const sends = new Counter({
    name: 'gateway_outbound_sends_total',
    help: 'Send commands concluded, by outcome and code: Meta\'s error code, a Careline code (e.g. unknown_channel), or none.',
    labelNames: ['outcome', 'code'] as const,
    registers: [registry],
  });
  const limitErrors = new Counter({
    name: 'gateway_graph_limit_errors_total',
    help: 'Graph calls refused for a sending limit: 130429 (number throughput) or 131056 (pair rate).',
    labelNames: ['code'] as const,
    registers: [registry],
  });
  const throttleWaits = new Histogram({
    name: 'gateway_outbound_throttle_wait_seconds',
    help: 'Waits before a Graph call: pair (one recipient\'s rate or its 131056 block), paused (after a 130429), throughput (the number\'s token bucket).',
    labelNames: ['cause'] as const,
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  const rate = new Gauge({
    name: 'gateway_outbound_send_rate_mps',
    help: 'Messages per second a sending number is held to by this instance (AIMD: halved on 130429, recovering). Label: the Graph phone_number_id of the business number, never a patient\'s.',
    labelNames: ['phone_number_id'] as const,
    registers: [registry],
  });
  const duplicates = new Counter({
    name: 'gateway_outbound_possible_duplicates_total',
    help: 'Sends that may have reached Meta twice: ledger_pending (a redelivery found the send ledger pending) or timeout_retry (accepted after a timed-out attempt).',
    labelNames: ['cause'] as const,
    registers: [registry],
  });
  const replays = new Counter({
    name: 'gateway_outbound_ledger_replays_total',
    help: 'Redelivered send commands answered from the send ledger (Meta had accepted them) without calling Meta.',
    registers: [registry],
  });
  const paused = new Counter({
    name: 'gateway_outbound_partition_pauses_total',
    help: 'Times a send command gave its partition back to wait (130429 persisted through every in-place attempt).',
    registers: [registry],
  });
  for (const code of ['130429', '131056'] as const) limitErrors.inc({ code }, 0);
  for (const cause of ['ledger_pending', 'timeout_retry'] as const) duplicates.inc({ cause }, 0);
  // Zero series up front, so dashboards and alerts see every reason from the start.
  for (const reason of ['bad_signature', 'too_large', 'not_json', 'kafka_unavailable', 'unknown_number', 'app_mismatch'] as const) {
    refused.inc({ reason }, 0);
  }
  return {
    webhookAccepted: () => accepted.inc(),
    webhookRefused: (reason) => refused.inc({ reason }),
    observePublish: (seconds, outcome) => publish.observe({ outcome }, seconds),
    outboundResult: (outcome, reason) => results.inc({ outcome, reason }),
    graphCall: (seconds, outcome) => graph.observe({ outcome }, seconds),
    graphRetry: (kind) => retries.inc({ kind }),
    send: (outcome, code) => sends.inc({ outcome, code }),
    limitError: (code) => limitErrors.inc({ code }),
    throttleWait: (cause, seconds) => throttleWaits.observe({ cause }, seconds),
    sendRate: (phoneNumberId, ratePerSec) => rate.set({ phone_number_id: phoneNumberId }, ratePerSec),
    possibleDuplicate: (cause) => duplicates.inc({ cause }),
    ledgerReplay: () => replays.inc(),
    partitionPaused: () => paused.inc(),
  };
}
