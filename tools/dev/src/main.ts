// `npm start`: Postgres and Kafka (reused when they run), fresh bundles, every app and the
// simulator as real processes with the demo hospital, then a banner saying where everything is.
// Ctrl-C (or SIGTERM) stops the apps in reverse order, and the infrastructure only if this command
// started it. A failure ends with one line that says what went wrong.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { InfraError, ensureInfra, stopInfra } from '@careline/infra';
import { DEFAULT_PORTS, type Stack, StackError, loadOrCreateSeed, startStack } from '@careline/stack';
import { processLogDir } from '@careline/testing';
import { renderBanner } from './banner';
import { BuildError, buildApps } from './build';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const stateDir = path.join(repoRoot, '.local', 'dev');
const TOKEN_TTL_SECONDS = 12 * 3600;
const DEMO_PATIENT = '15551234567';

const say = (line: string): void => console.log(`careline: ${line}`);
const fail = (line: string): void => console.error(`careline: ✗ ${line}`);

async function main(argv: readonly string[]): Promise<void> {
  const began = Date.now();
  const skipBuild = argv.includes('--no-build');

  say('starting Postgres and Kafka (reused when already running)…');
  const infra = await ensureInfra({ log: (line) => say(`infra: ${line}`) });

  if (skipBuild) say('--no-build: using the bundles in dist/apps as they are');
  else {
    say('building the apps (npx nx run-many -t build; cached when unchanged)…');
    const { ms } = await buildApps(repoRoot);
    say(`build done in ${(ms / 1000).toFixed(1)} s`);
  }

  const { seed, created } = await loadOrCreateSeed(path.join(stateDir, 'seed.json'));
  say(
    created
      ? `new demo hospital created in ${path.relative(repoRoot, stateDir)}/seed.json`
      : `demo hospital from ${path.relative(repoRoot, stateDir)}/seed.json`,
  );

  const stack = await startStack({
    databaseUrl: infra.databaseUrl,
    kafkaBrokers: infra.kafkaBrokers,
    topicPrefix: '',
    database: 'careline',
    ports: { ...DEFAULT_PORTS },
    stateDir,
    seed,
    label: 'dev',
    logLevel: process.env.LOG_LEVEL ?? 'info',
    log: say,
  });

  let stopping = false;
  const shutdown = async (signal: NodeJS.Signals): Promise<void> => {
    if (stopping) {
      fail(`${signal} again: killing the apps`);
      for (const app of stack.apps) await stack.app(app).kill9();
      process.exit(130);
    }
    stopping = true;
    say(`${signal}: stopping the apps…`);
    try {
      await stack.stop();
      if (infra.started.postgres && infra.started.kafka) {
        say('stopping Postgres and Kafka (this command started them)…');
        await stopInfra();
      } else if (infra.started.postgres || infra.started.kafka) {
        // stopInfra stops both parts; the other one was running before this command
        say(
          `left ${infra.started.postgres ? 'Postgres' : 'Kafka'} running (started here, but the other part was already up): \`npm run infra -- down\` stops both`,
        );
      }
      say('stopped');
      process.exit(0);
    } catch (error) {
      fail(`could not stop cleanly: ${errorLine(error)}`);
      process.exit(1);
    }
  };
  for (const signal of ['SIGINT', 'SIGTERM'] as const)
    process.on(signal, (received) => void shutdown(received));

  watchForCrashes(stack, () => stopping);

  const token = await stack.mintToken({ ttlSeconds: TOKEN_TTL_SECONDS });
  console.log(
    renderBanner({
      urls: stack.urls,
      seed,
      token,
      tokenTtlSeconds: TOKEN_TTL_SECONDS,
      databaseUrl: stack.database.adminUrl,
      kafkaBrokers: infra.kafkaBrokers,
      logDir: `${path.relative(repoRoot, processLogDir)}/dev.<app>-<time>.log`,
      stateDir: path.relative(repoRoot, stateDir),
      startedInMs: Date.now() - began,
      demoPatientWaId: DEMO_PATIENT,
    }),
  );
}

/** An app that dies on its own is reported once, with its log; the others keep running. */
function watchForCrashes(stack: Stack, stopping: () => boolean): void {
  const reported = new Set<string>();
  // also what keeps `npm start` alive until Ctrl-C
  setInterval(() => {
    if (stopping()) return;
    for (const app of stack.apps) {
      const handle = stack.app(app);
      if (handle.running() || reported.has(app)) continue;
      reported.add(app);
      fail(`${app} exited on its own; its log: ${handle.logFile}`);
      for (const line of handle.logs().trimEnd().split('\n').slice(-10)) console.error(`    ${line}`);
    }
  }, 1_000);
}

function errorLine(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}

main(process.argv.slice(2)).catch((error: unknown) => {
  if (error instanceof InfraError || error instanceof StackError) fail(error.message);
  else if (error instanceof BuildError) {
    console.error(error.output.trimEnd().split('\n').slice(-30).join('\n'));
    fail(error.message);
  } else {
    // startProcess failures: the first line says which app and where its log is; the rest is its tail
    const [first = 'failed', ...rest] = errorLine(error).split('\n');
    for (const line of rest) console.error(`    ${line}`);
    fail(first);
  }
  process.exit(1);
});
