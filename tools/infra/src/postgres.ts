import { promises as fs } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { fallbackPostgresDir, postgresUrl, type InfraConfig } from './config';
import { InfraError, missingTool } from './errors';
import { asPostgresUser, commandLine, exists, findOnPath, isAlive, isPortFree, isRoot, lastLines, pollUntil, runCommand } from './proc';

export interface PostgresPaths {
  baseDir: string;
  dataDir: string;
  socketDir: string;
  logFile: string;
}

export interface PostgresRunning {
  pid: number;
  port: number;
}

function pathsIn(baseDir: string): PostgresPaths {
  return {
    baseDir,
    dataDir: path.join(baseDir, 'data'),
    socketDir: path.join(baseDir, 'run'),
    logFile: path.join(baseDir, 'postgres.log'),
  };
}

/**
 * The Postgres files live in `<state>/postgres` unless the `postgres` user cannot traverse the
 * state dir (checkout under a mode-700 home, or a mkdtemp dir): then in /var/tmp. An existing
 * cluster in either place wins, so the choice stays stable across runs.
 */
export async function postgresPaths(cfg: InfraConfig, choosingForStart: boolean): Promise<PostgresPaths> {
  const local = pathsIn(path.join(cfg.stateDir, 'postgres'));
  const fallback = pathsIn(fallbackPostgresDir(cfg.stateDir));
  if (await exists(path.join(local.dataDir, 'PG_VERSION'))) return local;
  if (await exists(path.join(fallback.dataDir, 'PG_VERSION'))) return fallback;
  if (!choosingForStart || !isRoot()) return local;
  await fs.mkdir(cfg.stateDir, { recursive: true });
  const [testCmd, testArgs] = await asPostgresUser('/usr/bin/test', ['-x', cfg.stateDir]);
  const probe = await runCommand(testCmd, testArgs);
  return probe.code === 0 ? local : fallback;
}

/** The running postmaster of this data dir, from its postmaster.pid; a stale file is removed. */
export async function runningPostgres(paths: PostgresPaths): Promise<PostgresRunning | undefined> {
  const pidFile = path.join(paths.dataDir, 'postmaster.pid');
  let lines: string[];
  try {
    lines = (await fs.readFile(pidFile, 'utf8')).split('\n');
  } catch {
    return undefined;
  }
  const pid = Number.parseInt(lines[0] ?? '', 10);
  const port = Number.parseInt(lines[3] ?? '', 10);
  if (Number.isInteger(pid) && pid > 0 && isAlive(pid)) {
    const cmd = await commandLine(pid);
    // A recycled pid belongs to some other program; no /proc (not Linux) means trust the pid.
    if (cmd === undefined || cmd.includes('postgres')) return { pid, port };
  }
  await fs.rm(pidFile, { force: true });
  return undefined;
}

/** The newest server binaries, or the ones matching an existing cluster's version. */
async function postgresBinDir(paths: PostgresPaths): Promise<string> {
  const root = '/usr/lib/postgresql';
  const clusterVersion = (await fs.readFile(path.join(paths.dataDir, 'PG_VERSION'), 'utf8').catch(() => '')).trim();
  const versions = (await fs.readdir(root).catch(() => [] as string[]))
    .filter((name) => /^\d+$/.test(name))
    .sort((a, b) => Number(b) - Number(a));
  const ordered = clusterVersion ? [clusterVersion, ...versions.filter((v) => v !== clusterVersion)] : versions;
  for (const version of ordered) {
    const bin = path.join(root, version, 'bin');
    if (await exists(path.join(bin, 'pg_ctl'))) return bin;
  }
  const onPath = await findOnPath('pg_ctl');
  if (onPath) return path.dirname(onPath);
  throw missingTool('PostgreSQL server binaries (initdb, pg_ctl, postgres)', 'postgresql');
}

async function postgresOwner(): Promise<{ uid: number; gid: number } | undefined> {
  if (!isRoot()) return undefined;
  const passwd = await fs.readFile('/etc/passwd', 'utf8');
  const entry = passwd.split('\n').find((line) => line.startsWith('postgres:'));
  const [, , uid, gid] = entry?.split(':') ?? [];
  if (uid === undefined || gid === undefined) {
    throw new InfraError("running as root needs the 'postgres' system user; apt-get install -y postgresql creates it");
  }
  return { uid: Number(uid), gid: Number(gid) };
}

// Rewritten at every start so that a changed port applies; postgresql.conf includes it.
function carelineConf(cfg: InfraConfig, paths: PostgresPaths): string {
  // A unix socket path longer than the kernel's limit (107 bytes) would stop postgres from
  // starting; TCP on loopback is all the tools need, so the socket is then left out.
  const socketFits = path.join(paths.socketDir, `.s.PGSQL.${cfg.postgresPort}.lock`).length < 100;
  return [
    '# Written by tools/infra at every start: edits here are overwritten.',
    "listen_addresses = '127.0.0.1'",
    `port = ${cfg.postgresPort}`,
    `unix_socket_directories = '${socketFits ? paths.socketDir.replaceAll("'", "''") : ''}'`,
    // many services and parallel test files each hold a pool
    'max_connections = 300',
    // A local, throw-away development database: durability across an OS crash is not worth the
    // fsyncs that tests creating many databases would pay for.
    'fsync = off',
    'synchronous_commit = off',
    'full_page_writes = off',
    '',
  ].join('\n');
}

async function initCluster(paths: PostgresPaths, bin: string, owner: { uid: number; gid: number } | undefined, log: (line: string) => void): Promise<void> {
  log(`postgres: creating a new cluster in ${paths.dataDir}`);
  const [cmd, args] = await asPostgresUser(path.join(bin, 'initdb'), [
    '-D', paths.dataDir, '-U', 'postgres', '--auth=trust', '--encoding=UTF8', '--no-locale', '--no-sync', '--no-instructions',
  ]);
  const result = await runCommand(cmd, args);
  if (result.code !== 0) {
    const last = result.output.trim().split('\n').at(-1) ?? '';
    throw new InfraError(`postgres initdb failed in ${paths.dataDir}: ${last}`);
  }
  const conf = path.join(paths.dataDir, 'postgresql.conf');
  await fs.appendFile(conf, "\n# local development settings of tools/infra\ninclude_if_exists = 'careline.conf'\n");
  if (owner) await fs.chown(conf, owner.uid, owner.gid);
}

export async function probePostgres(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2_000 });
  // pg emits 'error' on a broken connection; without a listener that would crash the process.
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** host:port of a URL for messages: never the whole URL, which may carry a password. */
export function describeUrl(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.hostname}:${parsed.port || '5432'}`;
  } catch {
    return 'an unparseable DATABASE_URL';
  }
}

export interface PostgresUp {
  url: string;
  started: boolean;
  paths: PostgresPaths;
}

/** Starts the local cluster unless it already runs (then reuses it); waits until it answers. */
export async function ensurePostgres(cfg: InfraConfig): Promise<PostgresUp> {
  const paths = await postgresPaths(cfg, true);
  const url = postgresUrl(cfg.postgresPort);
  const seconds = Math.round(cfg.timeoutMs / 1000);
  const running = await runningPostgres(paths);
  if (running) {
    if (running.port !== cfg.postgresPort) {
      throw new InfraError(
        `postgres of ${paths.dataDir} already runs on port ${running.port}, not ${cfg.postgresPort}; run \`npm run infra -- down\` first or set CARELINE_PG_PORT=${running.port}`,
      );
    }
    if (!(await pollUntil(() => probePostgres(url), cfg.timeoutMs, 250))) {
      throw new InfraError(`postgres (pid ${running.pid}) did not answer on 127.0.0.1:${cfg.postgresPort} within ${seconds}s; see ${paths.logFile}`);
    }
    return { url, started: false, paths };
  }

  const bin = await postgresBinDir(paths);
  if (!(await isPortFree(cfg.postgresPort))) {
    throw new InfraError(`127.0.0.1:${cfg.postgresPort} is taken by another program; stop it or set CARELINE_PG_PORT to a free port`);
  }
  const owner = await postgresOwner();
  for (const dir of [paths.baseDir, paths.socketDir]) {
    await fs.mkdir(dir, { recursive: true });
    if (owner) await fs.chown(dir, owner.uid, owner.gid);
  }
  // The /var/tmp fallback's parent is ours; make sure a strict umask did not close it to postgres.
  if (owner && paths.baseDir === fallbackPostgresDir(cfg.stateDir)) await fs.chmod(path.dirname(paths.baseDir), 0o755);
  if (!(await exists(path.join(paths.dataDir, 'PG_VERSION')))) await initCluster(paths, bin, owner, cfg.log);

  const confFile = path.join(paths.dataDir, 'careline.conf');
  await fs.writeFile(confFile, carelineConf(cfg, paths));
  if (owner) await fs.chown(confFile, owner.uid, owner.gid);

  // pg_ctl starts the postmaster in its own session, so it outlives this process.
  const [cmd, args] = await asPostgresUser(path.join(bin, 'pg_ctl'), [
    'start', '-D', paths.dataDir, '-l', paths.logFile, '-w', '-t', String(seconds), '-s',
  ]);
  const started = await runCommand(cmd, args, cfg.timeoutMs + 5_000);
  if (started.code !== 0) {
    const hint = (await lastLines(paths.logFile, 1))[0] ?? started.output.trim();
    throw new InfraError(`postgres did not start on 127.0.0.1:${cfg.postgresPort} (${hint}); see ${paths.logFile}`);
  }
  if (!(await pollUntil(() => probePostgres(url), cfg.timeoutMs, 100))) {
    throw new InfraError(`postgres did not answer on 127.0.0.1:${cfg.postgresPort} within ${seconds}s; see ${paths.logFile}`);
  }
  return { url, started: true, paths };
}

/** Stops the local cluster if it runs (fast mode: rolls back open transactions). */
export async function stopPostgres(cfg: InfraConfig): Promise<boolean> {
  const paths = await postgresPaths(cfg, false);
  const running = await runningPostgres(paths);
  if (!running) return false;
  const bin = await postgresBinDir(paths);
  const [cmd, args] = await asPostgresUser(path.join(bin, 'pg_ctl'), ['stop', '-D', paths.dataDir, '-m', 'fast', '-w', '-t', '30', '-s']);
  const result = await runCommand(cmd, args, 40_000);
  if (result.code !== 0) {
    const [icmd, iargs] = await asPostgresUser(path.join(bin, 'pg_ctl'), ['stop', '-D', paths.dataDir, '-m', 'immediate', '-w', '-t', '10', '-s']);
    const immediate = await runCommand(icmd, iargs, 15_000);
    if (immediate.code !== 0) throw new InfraError(`postgres (pid ${running.pid}) did not stop; see ${paths.logFile}`);
  }
  return true;
}
