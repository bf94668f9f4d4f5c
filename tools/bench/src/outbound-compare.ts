// Paired runs of the quick outbound benchmark (`npx tsx tools/bench/src/outbound-compare.ts`):
// one command per number at a time against OUTBOUND_IN_PARTITION_CONCURRENCY 16, with the
// simulator answering at loopback speed and with a Meta-like Graph round trip (150 ms), back to
// back so that the shared machine's load is about the same for each pair. Prints one line per run.
// Options: `--numbers=N` (default 3), `--seconds=N` (default 8), `--variants=…` (below),
// `--profile=DIR` (the gateway writes a V8 CPU profile there at exit: `--cpu-prof`).
import os from 'node:os';
import { type OutboundBenchResult, QUICK_CONFIG, formatOutboundSummary, runOutboundBench } from './outbound';
import { formatRate, formatRatio, formatTable } from './table';

function option(name: string, fallback: string): string {
  const flag = process.argv.find((arg) => arg.startsWith(`--${name}=`));
  return flag === undefined ? fallback : flag.slice(name.length + 3);
}

const numbers = Number(option('numbers', '3'));
const seconds = Number(option('seconds', '8'));
const profileDir = option('profile', '');
// `--variants=0:1,0:16,150:1,150:16` (added Graph ms : in flight per number)
const variants = option('variants', '0:1,0:16,150:1,150:16')
  .split(',')
  .map((pair) => {
    const [latency, concurrency] = pair.split(':').map(Number);
    return { graphLatencyMs: latency ?? 0, inPartitionConcurrency: concurrency ?? 1 };
  });

const controller = new AbortController();
process.on('SIGINT', () => controller.abort());
const rows: (string | number)[][] = [];
for (const variant of variants) {
  const result: OutboundBenchResult = await runOutboundBench(
    { ...QUICK_CONFIG, numbers, seconds, ...variant },
    {
      log: (line) => console.log(`bench: ${line}`),
      signal: controller.signal,
      ...(profileDir === '' ? {} : { gatewayNodeArgs: ['--cpu-prof', `--cpu-prof-dir=${profileDir}`, '--cpu-prof-interval=500'] }),
    },
  );
  console.log(`\n${formatOutboundSummary(result)}\n`);
  const ratios = result.numbers.map((n) => formatRatio(n.steadyMps === undefined ? undefined : n.steadyMps / result.config.capMps)).join(' / ');
  const mps = result.numbers.map((n) => formatRate(n.steadyMps)).join(' / ');
  rows.push([
    variant.graphLatencyMs,
    variant.inPartitionConcurrency,
    `${mps} → ${ratios}`,
    result.limitErrors['130429'] + result.limitErrors['131056'],
    result.perSend.gatewayCpuMs?.toFixed(1) ?? '–',
    result.perSend.dbTransactions?.toFixed(1) ?? '–',
    result.loadAverage.toFixed(1),
  ]);
  if (controller.signal.aborted) break;
}
console.log(`outbound, paired quick runs: ${numbers} numbers, cap ${QUICK_CONFIG.capMps} mps, ${os.cpus().length} cores`);
console.log(
  formatTable(['added Graph ms', 'in flight per number', 'steady mps per number → ÷ cap', 'limit errors', 'gateway CPU ms/send', 'DB transactions/send', 'load avg'], rows),
);
process.exit(0);
