// `npm test`: every check and every test, exactly as CI runs them.
//   1. lint, typecheck and build of every project (Nx, offline, no daemon);
//   2. Postgres and Kafka: explicit DATABASE_URL / KAFKA_BROKERS win, else the local tools
//      (tools/infra) start them; what this command started it stops again at the end;
//   3. every test through the one runner (vitest), closing with `N passed, N failed`.
// Arguments after `--` go to vitest (`npm test -- --project db`); `--skip-checks` skips step 1,
// `--keep-infra` leaves what step 2 started running.
import { spawn } from 'node:child_process';
import { ensureInfra, stopInfra } from '@careline/infra';

const root = new URL('../../../', import.meta.url).pathname;
const args = process.argv.slice(2);
const skipChecks = args.includes('--skip-checks');
const keepInfra = args.includes('--keep-infra');
const vitestArgs = args.filter((a) => a !== '--skip-checks' && a !== '--keep-infra');

function run(command: string, commandArgs: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(command, commandArgs, { cwd: root, stdio: 'inherit', env });
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 128 : 1)));
    child.on('error', () => resolve(127));
  });
}

const offline = { ...process.env, NX_DAEMON: 'false', NX_NO_CLOUD: 'true', NX_TUI: 'false' };

async function main(): Promise<number> {
  if (!skipChecks) {
    const code = await run(
      'npx',
      ['nx', 'run-many', '-t', 'lint', 'typecheck', 'build', '--outputStyle=static', '--parallel=2'],
      offline,
    );
    if (code !== 0) {
      console.log('\nchecks: 0 passed, 1 failed (lint, typecheck or build failed; see above)');
      return code;
    }
  }

  const infra = await ensureInfra();
  const env = { ...process.env, DATABASE_URL: infra.databaseUrl, KAFKA_BROKERS: infra.kafkaBrokers };
  try {
    return await run(
      'npx',
      ['vitest', 'run', '--reporter=default', '--reporter=./tools/test/src/reporter.ts', ...vitestArgs],
      env,
    );
  } finally {
    if (!keepInfra && (infra.started.postgres || infra.started.kafka)) await stopInfra();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`test: ${error instanceof Error ? error.message : String(error)}`);
    console.log('\n0 passed, 1 failed');
    process.exit(1);
  },
);
