// messaging's own Prometheus series, on the app's registry (never prom-client's global one). The
// bus's series (consumer lag, dead letters, outbox backlog) are registered beside them by app.ts.
// No labels carry ids or content.
import { type Registry } from '@careline/runtime';
import { Counter } from 'prom-client';

export interface MessagingMetrics {
  /** A free-text send refused because the 24-hour customer-service window was closed. */
  windowRefused(): void;
  /** Conversations the retention job erased (past the tenant's retention policy). */
  retentionErased(conversations: number): void;
}

export function createMessagingMetrics(registry: Registry): MessagingMetrics {
  const windowRefusals = new Counter({
    name: 'messaging_window_refusals_total',
    help: 'Free-text sends refused because the 24-hour customer-service window was closed (the console then offers templates).',
    registers: [registry],
  });
  // Exported from the start (as 0), so a rate() over it has a baseline before the first refusal.
  windowRefusals.inc(0);
  const retentionErased = new Counter({
    name: 'messaging_retention_erased_total',
    help: "Conversations erased by the retention job because they were closed longer than their tenant's retention policy.",
    registers: [registry],
  });
  retentionErased.inc(0);
  return { windowRefused: () => windowRefusals.inc(), retentionErased: (conversations) => retentionErased.inc(conversations) };
}
