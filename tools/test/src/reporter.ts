// A vitest reporter that prints the closing summary line (see summary.ts) after the default one.
import type { Reporter, TestModule } from 'vitest/node';
import { summaryLine, tally, type CaseState, type ModuleOutcome } from './summary';

function outcome(module: TestModule): ModuleOutcome {
  const cases: CaseState[] = [];
  for (const test of module.children.allTests()) cases.push(test.result().state);
  return { cases, moduleFailed: module.state() === 'failed' };
}

export default class SummaryReporter implements Reporter {
  onTestRunEnd(modules: ReadonlyArray<TestModule>, unhandledErrors: ReadonlyArray<unknown>): void {
    const line = summaryLine(tally(modules.map(outcome), unhandledErrors.length));
    process.stdout.write(`\n${line}\n`);
  }
}
