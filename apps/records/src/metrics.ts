// records' own Prometheus series, on the app's registry (never prom-client's global one). No
// labels carry ids or content.
import { type Registry } from '@careline/runtime';
import { Counter } from 'prom-client';

/** How one identity check on the release page ended. */
export type VerificationOutcome = 'passed' | 'failed_dob' | 'failed_code' | 'locked';

export interface RecordsMetrics {
  /** One identity check (date of birth or code) on the release page, after its transaction committed. */
  verification(outcome: VerificationOutcome): void;
}

const OUTCOMES: readonly VerificationOutcome[] = ['passed', 'failed_dob', 'failed_code', 'locked'];

export function createRecordsMetrics(registry: Registry): RecordsMetrics {
  const verifications = new Counter({
    name: 'records_release_verifications_total',
    help: 'Identity checks on the release page by outcome: passed (code right), failed_dob, failed_code, locked (the failure that locked the share).',
    labelNames: ['outcome'],
    registers: [registry],
  });
  // every series exists from the start, so a rate() over a quiet period is 0, not absent
  for (const outcome of OUTCOMES) verifications.inc({ outcome }, 0);
  return { verification: (outcome) => verifications.inc({ outcome }) };
}
