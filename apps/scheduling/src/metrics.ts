// scheduling's own Prometheus series, on the app's registry (never prom-client's global one). No
// labels carry ids or content.
import { type Registry } from '@careline/runtime';
import { Counter, Histogram } from 'prom-client';
import { type DispatcherMetrics } from './clock/dispatcher';

export function createSchedulingMetrics(registry: Registry): DispatcherMetrics {
  const lag = new Histogram({
    name: 'scheduling_reminder_dispatch_lag_seconds',
    help: 'Time from a reminder being due to its send request being written (the clock dispatched it).',
    buckets: [0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 300],
    registers: [registry],
  });
  const dispatched = new Counter({
    name: 'scheduling_reminders_dispatched_total',
    help: 'Reminders the clock dispatched (send request written).',
    registers: [registry],
  });
  dispatched.inc(0);
  return { observeLag: (seconds) => lag.observe(seconds), dispatched: (count) => dispatched.inc(count) };
}
