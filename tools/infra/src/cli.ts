// `npm run infra -- up|down|status|env`: local Postgres and Kafka for development and tests.
import { InfraError } from './errors';
import { ensureInfra, infraEnv, infraStatus, stopInfra, type PartStatus } from './infra';

const usage = `usage: npm run infra -- <command>
  up      start local Postgres and Kafka (or reuse them), wait until both answer
  down    stop them
  status  say what runs where (exit code 3 when something is not running)
  env     print DATABASE_URL=… and KAFKA_BROKERS=… (use \`npm run -s infra -- env\` in scripts)
environment: CARELINE_INFRA_DIR, CARELINE_PG_PORT (5432), CARELINE_KAFKA_PORT (9092),
  DATABASE_URL / KAFKA_BROKERS (then that part is only checked, never started)`;

function seconds(since: number): string {
  return `${((Date.now() - since) / 1000).toFixed(1)}s`;
}

function statusLine(name: string, part: PartStatus): string {
  const state = part.running ? (part.source === 'external' ? 'answers' : `running (pid ${part.pid})`) : part.source === 'external' ? 'NOT answering' : 'stopped';
  const where = part.source === 'external' ? `${part.address} (from the environment)` : part.address;
  return `${name.padEnd(9)} ${state.padEnd(22)} ${where}${part.log && part.source === 'local' ? `  log: ${part.log}` : ''}`;
}

async function main(command: string | undefined): Promise<number> {
  switch (command) {
    case 'up': {
      const since = Date.now();
      const result = await ensureInfra({ log: (line) => console.error(line) });
      const verb = (started: boolean): string => (started ? 'started' : 'reused ');
      console.log(`postgres  ${verb(result.started.postgres)}  ${result.databaseUrl}${result.logs.postgres ? `  log: ${result.logs.postgres}` : ''}`);
      console.log(`kafka     ${verb(result.started.kafka)}  ${result.kafkaBrokers}${result.logs.kafka ? `  log: ${result.logs.kafka}` : ''}`);
      console.log(`ready in ${seconds(since)}; stop with: npm run infra -- down`);
      return 0;
    }
    case 'down': {
      const { stopped } = await stopInfra();
      console.log(`postgres  ${stopped.postgres ? 'stopped' : 'was not running'}`);
      console.log(`kafka     ${stopped.kafka ? 'stopped' : 'was not running'}`);
      return 0;
    }
    case 'status': {
      const status = await infraStatus();
      console.log(`state dir ${status.stateDir}`);
      console.log(statusLine('postgres', status.postgres));
      console.log(statusLine('kafka', status.kafka));
      return status.postgres.running && status.kafka.running ? 0 : 3;
    }
    case 'env': {
      const env = infraEnv();
      console.log(`DATABASE_URL=${env.DATABASE_URL}`);
      console.log(`KAFKA_BROKERS=${env.KAFKA_BROKERS}`);
      return 0;
    }
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      console.log(usage);
      return command === undefined ? 2 : 0;
    default:
      console.error(`unknown command '${command}'\n${usage}`);
      return 2;
  }
}

main(process.argv[2]).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    // InfraError messages are written for people: print them alone, without a stack.
    console.error(error instanceof InfraError ? error.message.replace(/^/gm, 'infra: ') : error);
    process.exitCode = 1;
  },
);
