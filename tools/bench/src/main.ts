// `npm run bench -- <benchmark> [--quick]` (or `npx tsx tools/bench/src/main.ts …`): runs one
// benchmark, prints its progress and a final summary with ratios against the baseline measured in
// the same run. Exit code 0 when the run completed (however slow), 1 when something broke, 2 for a
// usage error, 130 when interrupted.
import { BUILD_COMMAND } from '@careline/stack';
import {
  FULL_CONFIG as OUTBOUND_FULL_CONFIG,
  QUICK_CONFIG as OUTBOUND_QUICK_CONFIG,
  formatOutboundSummary,
  runOutboundBench,
} from './outbound';
import {
  FULL_CONFIG as REMINDERS_FULL_CONFIG,
  QUICK_CONFIG as REMINDERS_QUICK_CONFIG,
  formatReminderSummary,
  runReminderBench,
} from './reminders';
import { FULL_CONFIG, QUICK_CONFIG, formatSummary, runWebhookBench, saveResult } from './webhooks';

const USAGE = `usage: npm run bench -- webhooks|outbound|reminders [--quick]

  webhooks   gateway webhook acknowledgement vs a bare fastify baseline (open loop, rising
             rates), then patient message → visible through the api (spaced and as a burst).
             Starts Postgres/Kafka when needed and a throw-away stack from dist/apps
             (build first: ${BUILD_COMMAND}).
  outbound   send commands for 3 numbers through the gateway to the simulator, both capped at
             80 mps per number: sends per second per number ÷ the cap, and the 130429/131056
             errors met (goal: ≥ 0.95× with none). Needs dist/apps/gateway and wa-simulator.
  reminders  scheduling's reminder clock over 100k and 1M stored appointments (many tenants) with
             the same burst due: dispatch lag p50/p99 and reminders/s beside the raw rate of the
             due-reminder query, and the per-tick cost ratio (1M vs 100k stored). Needs
             dist/apps/scheduling. --quick: 10k vs 100k.
  --cap=N    outbound only: the per-number cap in mps (default 80; 1–1000)
  --quick    fewer, shorter steps (about 30 s instead of 1½ minutes)`;

const say = (line: string): void => console.log(`bench: ${line}`);

async function main(argv: readonly string[]): Promise<number> {
  const args = argv.filter((arg) => arg !== '--');
  const flags = new Set(args.filter((arg) => arg.startsWith('-')));
  const positional = args.filter((arg) => !arg.startsWith('-'));
  const unknownFlags = [...flags].filter((flag) => flag !== '--quick' && !/^--cap=[0-9]{1,4}$/.test(flag));
  const benchmark = positional[0];
  if (positional.length !== 1 || (benchmark !== 'webhooks' && benchmark !== 'outbound' && benchmark !== 'reminders') || unknownFlags.length > 0) {
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

  if (benchmark === 'reminders') {
    const reminders = await runReminderBench(flags.has('--quick') ? REMINDERS_QUICK_CONFIG : REMINDERS_FULL_CONFIG, {
      log: say,
      signal: controller.signal,
    });
    console.log(`\n${formatReminderSummary(reminders)}\n`);
    if (controller.signal.aborted) return 130;
    return reminders.problems.length === 0 ? 0 : 1;
  }

  if (benchmark === 'outbound') {
    const cap = [...flags].find((flag) => flag.startsWith('--cap='));
    const base = flags.has('--quick') ? OUTBOUND_QUICK_CONFIG : OUTBOUND_FULL_CONFIG;
    const capMps = cap === undefined ? base.capMps : Number(cap.slice('--cap='.length));
    if (!(capMps >= 1 && capMps <= 1000)) {
      console.error(USAGE);
      return 2;
    }
    const outbound = await runOutboundBench({ ...base, capMps }, {
      log: say,
      signal: controller.signal,
    });
    console.log(`\n${formatOutboundSummary(outbound)}\n`);
    if (controller.signal.aborted) return 130;
    return outbound.problems.length === 0 ? 0 : 1;
  }

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
