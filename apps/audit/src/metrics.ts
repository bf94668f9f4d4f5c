// Audit's own Prometheus series on the app's registry. Labels are closed sets; never ids.
import { type Registry } from '@careline/runtime';
import { Counter } from 'prom-client';

export interface AuditMetrics {
  appended(outcome: 'appended' | 'duplicate'): void;
  checkpoint(trigger: 'count' | 'interval'): void;
}

export function createAuditMetrics(registry: Registry): AuditMetrics {
  const entries = new Counter({
    name: 'audit_events_total',
    help: 'Audit events consumed, by outcome (appended to the chain, or a duplicate already chained). Counted per transaction attempt.',
    labelNames: ['outcome'] as const,
    registers: [registry],
  });
  const checkpoints = new Counter({
    name: 'audit_checkpoints_total',
    help: 'Signed checkpoints written, by trigger (count: every AUDIT_CHECKPOINT_EVERY entries; interval: the timer).',
    labelNames: ['trigger'] as const,
    registers: [registry],
  });
  return {
    appended: (outcome) => entries.inc({ outcome }),
    checkpoint: (trigger) => checkpoints.inc({ trigger }),
  };
}
