// The gateway's own Prometheus series, registered on the app's registry (never the global one).
// Labels are closed sets (reasons, kinds, outcomes): never ids, numbers or anything a patient wrote.
import { Counter, Histogram, type Registry } from 'prom-client';

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
  };
}
