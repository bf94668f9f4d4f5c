/**
 * The closing line CI reads: `N passed, N failed[, N skipped]`. A test file that fails to load
 * and an unhandled error each count as one failure, so a broken suite can never look green.
 */
export interface Tally {
  passed: number;
  failed: number;
  skipped: number;
}

export type CaseState = 'passed' | 'failed' | 'skipped' | 'pending';

export interface ModuleOutcome {
  /** states of the test cases the module collected */
  cases: readonly CaseState[];
  /** the module itself failed (import error, hook failure) */
  moduleFailed: boolean;
}

export function tally(modules: readonly ModuleOutcome[], unhandledErrors: number): Tally {
  const result: Tally = { passed: 0, failed: unhandledErrors, skipped: 0 };
  for (const module of modules) {
    let failedCases = 0;
    for (const state of module.cases) {
      switch (state) {
        case 'passed':
          result.passed += 1;
          break;
        case 'failed':
          result.failed += 1;
          failedCases += 1;
          break;
        case 'skipped':
        case 'pending':
          result.skipped += 1;
          break;
      }
    }
    // a module that failed without a failed case (e.g. it did not load) still counts once
    if (module.moduleFailed && failedCases === 0) result.failed += 1;
  }
  return result;
}

export function summaryLine(t: Tally): string {
  return `${t.passed} passed, ${t.failed} failed${t.skipped > 0 ? `, ${t.skipped} skipped` : ''}`;
}
