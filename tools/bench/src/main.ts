// `npm run bench -- <benchmark> [--quick]` (or `npx tsx tools/bench/src/main.ts …`): runs one
// benchmark, prints its progress and a final summary with ratios against the baseline measured in
// the same run. Exit code 0 when the run completed (however slow), 1 when something broke, 2 for a
// usage error, 130 when interrupted.
import { BUILD_COMMAND } from '@careline/stack';
import { FULL_CONFIG, QUICK_CONFIG, formatSummary, runWebhookBench, saveResult } from './webhooks';

const USAGE = `usage: npm run bench -- webhooks [--quick]

  webhooks   gateway webhook acknowledgement vs a bare fastify baseline (open loop, rising
             rates), then patient message → visible through the api (spaced and as a burst).
             Starts Postgres/Kafka when needed and a throw-away stack from dist/apps
             (build first: ${BUILD_COMMAND}).
  --quick    fewer, shorter steps (about 30 s instead of 1½ minutes)`;

const say = (line: string): void => console.log(`bench: ${line}`);

async function main(argv: readonly string[]): Promise<number> {
  const args = argv.filter((arg) => arg !== '--');
  const flags = new Set(args.filter((arg) => arg.startsWith('-')));
  const positional = args.filter((arg) => !arg.startsWith('-'));
  const unknownFlags = [...flags].filter((flag) => flag !== '--quick');
  if (positional.length !== 1 || positional[0] !== 'webhooks' || unknownFlags.length > 0) {
    console.error(USAGE);
    return 2;
  }

  const controller = new AbortController();
  let interrupts = 0;
  const onSignal = (signal: NodeJS.Signals): void => {
    interrupts += 1;
    if (interrupts > 1) {
      // the app processes' watchdogs take them down with us
      console.error(`bench: ${signal} again: exiting without cleaning up`);
      process.exit(130);
    }
    say(`${signal}: stopping after the current step (again to exit at once)…`);
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  const config = flags.has('--quick') ? QUICK_CONFIG : FULL_CONFIG;
  const result = await runWebhookBench(config, { log: say, signal: controller.signal });
  console.log(`\n${formatSummary(result)}\n`);
  say(`raw figures: ${await saveResult(result)}`);
  if (controller.signal.aborted) return 130;
  return result.problems.length === 0 ? 0 : 1;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`bench: ✗ ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  },
);
