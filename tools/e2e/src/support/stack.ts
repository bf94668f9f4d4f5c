// One stack per test file: started in beforeAll on a fresh database, a random topic prefix and free
// ports; stopped (database and topics removed) in afterAll. When a test fails, the tail of every
// process's log is printed under it (the full logs stay in test-output/processes/).
import { type Stack, type StackOptions, startStack } from '@careline/stack';
import { testEnv, uniqueName } from '@careline/testing';
import { afterAll, beforeAll, beforeEach } from 'vitest';

export interface UseStackHooks {
  /** Runs after the stack stopped (e.g. closing a proxy the apps still used while stopping). */
  afterStop?: () => Promise<void>;
}

export function useStack(
  label: string,
  options: Partial<StackOptions> | (() => Promise<Partial<StackOptions>>) = {},
  hooks: UseStackHooks = {},
): () => Stack {
  let stack: Stack | undefined;
  beforeAll(async () => {
    const env = testEnv();
    const extra = typeof options === 'function' ? await options() : options;
    stack = await startStack({
      databaseUrl: env.databaseUrl,
      kafkaBrokers: env.kafkaBrokers,
      topicPrefix: `${uniqueName('e2e')}.`,
      // fewer partitions than production: quicker to create and to rebalance after a restart
      topicPartitions: 3,
      label: `e2e-${label}`,
      ...extra,
    });
  });
  beforeEach(({ onTestFailed }) => {
    onTestFailed(() => {
      if (stack !== undefined)
        console.error(`\nprocess logs of stack ${stack.label} (last lines):\n${stack.logReport(30)}`);
    });
  });
  afterAll(async () => {
    try {
      await stack?.stop();
    } finally {
      await hooks.afterStop?.();
    }
  });
  return () => {
    if (stack === undefined) throw new Error(`the ${label} stack did not start (see the beforeAll error)`);
    return stack;
  };
}
