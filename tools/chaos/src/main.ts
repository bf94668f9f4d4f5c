// `npm run chaos -- fuzz [--inputs=N] [--seed=S] [--only=<target>:<index>] [--concurrency=N]`:
// starts Postgres/Kafka when needed and a throw-away stack from dist/apps, fuzzes the api, the
// webhook and the release page, and prints the score. Exit code 0 when nothing broke (no 5xx, no
// broken connection or timeout, no refusal without a problem code, every process still ready),
// 1 when something did, 2 for a usage error, 130 when interrupted.
import { randomInt } from 'node:crypto';
import { ensureInfra } from '@careline/infra';
import { BUILD_COMMAND, startStack } from '@careline/stack';
import { formatReport, totalFailures } from './fuzz/run';
import { fuzzStack } from './fuzz/stack';

const USAGE = `usage: npm run chaos -- fuzz [--inputs=N] [--seed=S] [--only=<target>:<index>] [--concurrency=N]

  fuzz            generated inputs at every HTTP ingress: the api (each operation of its OpenAPI
                  document), the gateway's webhook (Meta payloads, signed, mutated) and records'
                  release page; counts 5xx, broken connections, timeouts and refusals without a
                  problem code, and the processes' memory before and after.
                  Needs the bundles: ${BUILD_COMMAND}
  --inputs=N      inputs per target (default 34000: over 100,000 in all)
  --seed=S        the run's seed (default random; printed, so that a run can be repeated)
  --only=T:I      replay input I of target T (api, webhook, release) alone
  --concurrency=N requests in flight (default 16)`;

const say = (line: string): void => console.log(`chaos: ${line}`);

function flag(args: readonly string[], name: string): string | undefined {
  return args.find((arg) => arg.startsWith(`--${name}=`))?.slice(name.length + 3);
}

async function main(argv: readonly string[]): Promise<number> {
  const args = argv.filter((arg) => arg !== '--');
  const known = /^--(inputs=[0-9]{1,7}|seed=[0-9]{1,10}|only=(api|webhook|release):[0-9]{1,7}|concurrency=[0-9]{1,3})$/;
  if (args[0] !== 'fuzz' || args.slice(1).some((arg) => !known.test(arg))) {
    console.error(USAGE);
    return 2;
  }
  const inputs = Number(flag(args, 'inputs') ?? 34_000);
  const seed = Number(flag(args, 'seed') ?? randomInt(0, 2 ** 31));
  const concurrency = Number(flag(args, 'concurrency') ?? 16);
  const onlyText = flag(args, 'only');
  const only = onlyText === undefined ? undefined : { target: onlyText.split(':')[0] as string, index: Number(onlyText.split(':')[1]) };

  const controller = new AbortController();
  process.once('SIGINT', () => {
    say('SIGINT: stopping after the requests in flight…');
    controller.abort();
  });

  const infra = await ensureInfra({ log: (line) => say(`infra: ${line}`) });
  say('starting the stack (fresh database, random topic prefix, free ports)…');
  const stack = await startStack({ databaseUrl: infra.databaseUrl, kafkaBrokers: infra.kafkaBrokers, label: 'chaos-fuzz', log: say });
  try {
    say(`fuzzing with seed ${seed}: ${only === undefined ? `${inputs} inputs per target` : `input ${onlyText}`}…`);
    const report = await fuzzStack(stack, { seed, inputs, concurrency, log: say, signal: controller.signal, ...(only === undefined ? {} : { only }) });
    console.log(`\n${formatReport(report)}\n`);
    if (report.notReady.length > 0) say(`✗ not ready after the run: ${report.notReady.join(', ')}`);
    if (controller.signal.aborted) return 130;
    return totalFailures(report) === 0 && report.notReady.length === 0 ? 0 : 1;
  } finally {
    await stack.stop();
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`chaos: ✗ ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  },
);
