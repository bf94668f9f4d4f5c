// Ingest's own Prometheus series, registered on the app's registry (never prom-client's global one).
// Labels are closed sets chosen here; never ids, numbers or content.
//
// The counters are incremented inside the consumer's transaction: a webhook whose transaction is
// retried (a database hiccup) is counted once per attempt. They measure work seen, not commits.
import { type Registry } from '@careline/runtime';
import { Counter } from 'prom-client';

export type WebhookOutcome = 'ingested' | 'rejected';
export type EventKind = 'message' | 'status' | 'user_preference' | 'error' | 'other';
/** `emitted`: an event went to the outbox; `duplicate`: seen before; `ignored`: no event for this kind yet. */
export type EventOutcome = 'emitted' | 'duplicate' | 'ignored';

export interface IngestMetrics {
  webhook(outcome: WebhookOutcome): void;
  event(kind: EventKind, outcome: EventOutcome): void;
}

export function createIngestMetrics(registry: Registry): IngestMetrics {
  const webhooks = new Counter({
    name: 'ingest_webhooks_total',
    help: 'Webhook bodies consumed from wa.webhook.received.v1, by outcome (rejected: dead-lettered as not a valid webhook).',
    labelNames: ['outcome'] as const,
    registers: [registry],
  });
  const events = new Counter({
    name: 'ingest_webhook_events_total',
    help: 'Normalised webhook events (messages, statuses, user preferences, errors, other fields), by kind and outcome.',
    labelNames: ['kind', 'outcome'] as const,
    registers: [registry],
  });
  return {
    webhook: (outcome) => webhooks.inc({ outcome }),
    event: (kind, outcome) => events.inc({ kind, outcome }),
  };
}
