/**
 * Apps as real processes for end-to-end tests. Each app runs in its own process group so that
 * stop/kill reach its children too; a small watchdog process kills that group when the test
 * worker dies without cleaning up (a crash, vitest's SIGKILL on timeout, Ctrl-C), so no test run
 * leaves orphans listening on the well-known ports.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream, promises as fs } from 'node:fs';
import { constants as osConstants } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { onTestFinished } from 'vitest';
import { z } from 'zod';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
/** Git ignores test-output/, so the logs of a failed run can be read afterwards. */
export const processLogDir = path.join(repoRoot, 'test-output', 'processes');

const StartProcessOptionsSchema = z.object({
  /** For messages and the log file name. */
  name: z.string().regex(/^[A-Za-z0-9._-]+$/, 'name: letters, digits, . _ - only'),
  command: z.string().min(1),
  args: z.array(z.string()).default([]),
  /** Added to (and overriding) the test's environment; `undefined` removes a variable. */
  env: z.record(z.string(), z.string().optional()).default({}),
  cwd: z.string().optional(),
  /** Polled until it answers HTTP 200; `url` of the handle is its origin. */
  readyUrl: z.string().url().optional(),
  readyTimeoutMs: z.number().int().positive().default(30_000),
});

export type StartProcessOptions = z.input<typeof StartProcessOptionsSchema>;

export interface StartedProcess {
  readonly name: string;
  /** pid of the current run (changes on restart); also its process group id. */
  readonly pid: number;
  /** Origin of readyUrl (e.g. `http://127.0.0.1:8081`), when one was given. */
  readonly url: string | undefined;
  /** The file under test-output/processes/ that receives stdout and stderr of every run. */
  readonly logFile: string;
  /** stdout + stderr of all runs so far (the last 4 MiB). */
  logs(): string;
  running(): boolean;
  /**
   * Sends `signal` to the process group, waits up to `timeoutMs` (then SIGKILL), and resolves to
   * the exit code (128 + signal number when a signal ended it, as shells report it).
   */
  stop(signal?: NodeJS.Signals, timeoutMs?: number): Promise<number>;
  /** A crash: SIGKILL to the group, no chance to clean up. */
  kill9(): Promise<void>;
  /** Stops the process if it still runs, then starts it again and waits until it is ready. */
  restart(): Promise<void>;
}

interface Run {
  child: ChildProcess;
  pid: number;
  exited: Promise<number>;
  exitCode: number | undefined;
  watchdog: ChildProcess;
}

const maxMemoryLog = 4 * 1024 * 1024;

// Reads pgids from stdin; when stdin ends without "disarm" (its parent is gone), SIGKILLs them.
const watchdogSource = `
const groups = new Set(); let buffer = ''; let armed = true;
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, () => {});
process.stdin.setEncoding('utf8');
process.stdin.on('data', (data) => {
  buffer += data;
  for (let i = buffer.indexOf('\\n'); i >= 0; i = buffer.indexOf('\\n')) {
    const [op, id] = buffer.slice(0, i).split(' '); buffer = buffer.slice(i + 1);
    if (op === 'watch') groups.add(Number(id)); else if (op === 'disarm') armed = false;
  }
});
process.stdin.on('end', () => {
  if (armed) for (const pgid of groups) { try { process.kill(-pgid, 'SIGKILL'); } catch {} }
  process.exit(0);
});
`;

function startWatchdog(pgid: number): ChildProcess {
  // detached: a Ctrl-C to the test's process group must not take the watchdog down with it
  const watchdog = spawn(process.execPath, ['-e', watchdogSource], {
    detached: true,
    stdio: ['pipe', 'ignore', 'ignore'],
  });
  watchdog.stdin?.write(`watch ${pgid}\n`);
  watchdog.unref();
  // the open pipe must not keep the test worker alive either
  (watchdog.stdin as unknown as { unref?: () => void } | null)?.unref?.();
  return watchdog;
}

function disarm(watchdog: ChildProcess): void {
  watchdog.stdin?.end('disarm\n');
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // the group is already gone
  }
}

function exitCodeOf(code: number | null, signal: NodeJS.Signals | null): number {
  if (code !== null) return code;
  return 128 + (signal ? (osConstants.signals[signal] ?? 0) : 0);
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Starts `command` as a real process, waits until `readyUrl` answers 200, and returns a handle. */
export async function startProcess(input: StartProcessOptions): Promise<StartedProcess> {
  const options = StartProcessOptionsSchema.parse(input);
  await fs.mkdir(processLogDir, { recursive: true });
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const logFile = path.join(processLogDir, `${options.name}-${stamp}-${randomBytes(3).toString('hex')}.log`);
  const logStream = createWriteStream(logFile, { flags: 'a' });
  let memory = '';
  const record = (text: string): void => {
    memory += text;
    if (memory.length > maxMemoryLog) memory = memory.slice(-maxMemoryLog);
    logStream.write(text);
  };
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const [key, value] of Object.entries(options.env)) {
    if (value === undefined) delete env[key];
    else env[key] = value;
  }
  let run: Run | undefined;

  const launch = async (): Promise<Run> => {
    const child = spawn(options.command, options.args, {
      cwd: options.cwd,
      env,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout?.setEncoding('utf8').on('data', record);
    child.stderr?.setEncoding('utf8').on('data', record);
    const exitedRaw = new Promise<number>((resolve) => {
      child.once('exit', (code, signal) => resolve(exitCodeOf(code, signal)));
      child.once('error', (error) => {
        record(`[startProcess] could not start ${options.command}: ${error.message}\n`);
        resolve(127);
      });
    });
    const pid = child.pid;
    if (pid === undefined) {
      await exitedRaw;
      throw new Error(
        `${options.name}: could not start ${options.command}; log: ${logFile}\n${tail(memory)}`,
      );
    }
    const current: Run = { child, pid, exitCode: undefined, watchdog: startWatchdog(pid), exited: exitedRaw };
    current.exited = exitedRaw.then((code) => {
      current.exitCode = code;
      // The leader is gone: whatever it left in its group goes too, then the watchdog stands down.
      signalGroup(pid, 'SIGKILL');
      disarm(current.watchdog);
      return code;
    });
    return current;
  };

  const waitReady = async (current: Run): Promise<void> => {
    if (!options.readyUrl) return;
    const deadline = Date.now() + options.readyTimeoutMs;
    for (;;) {
      if (current.exitCode !== undefined) {
        throw new Error(
          `${options.name} exited (code ${current.exitCode}) before ${options.readyUrl} answered; log: ${logFile}\n${tail(memory)}`,
        );
      }
      try {
        const response = await fetch(options.readyUrl, { signal: AbortSignal.timeout(1_000) });
        await response.arrayBuffer();
        if (response.status === 200) return;
      } catch {
        // not listening yet
      }
      if (Date.now() >= deadline) {
        await stopRun(current, 'SIGKILL', 1_000);
        throw new Error(
          `${options.name} was not ready at ${options.readyUrl} within ${options.readyTimeoutMs} ms; log: ${logFile}\n${tail(memory)}`,
        );
      }
      await sleep(100);
    }
  };

  const stopRun = async (current: Run, signal: NodeJS.Signals, timeoutMs: number): Promise<number> => {
    if (current.exitCode !== undefined) return current.exitCode;
    signalGroup(current.pid, signal);
    const timedOut = Symbol('timeout');
    let timer: NodeJS.Timeout | undefined;
    const outcome = await Promise.race([
      current.exited,
      new Promise<typeof timedOut>((resolve) => {
        timer = setTimeout(() => resolve(timedOut), timeoutMs);
      }),
    ]);
    clearTimeout(timer);
    if (outcome !== timedOut) return outcome;
    record(`[startProcess] ${options.name} ignored ${signal} for ${timeoutMs} ms: SIGKILL\n`);
    signalGroup(current.pid, 'SIGKILL');
    return current.exited;
  };

  const startAndWait = async (): Promise<void> => {
    const current = await launch();
    run = current;
    await waitReady(current);
  };

  const handle: StartedProcess = {
    name: options.name,
    get pid() {
      return run?.pid ?? -1;
    },
    url: options.readyUrl ? new URL(options.readyUrl).origin : undefined,
    logFile,
    logs: () => memory,
    running: () => run !== undefined && run.exitCode === undefined,
    stop: (signal = 'SIGTERM', timeoutMs = 10_000) =>
      run ? stopRun(run, signal, timeoutMs) : Promise.resolve(0),
    kill9: async () => {
      if (run) await stopRun(run, 'SIGKILL', 5_000);
    },
    restart: async () => {
      if (run) await stopRun(run, 'SIGTERM', 10_000);
      record(`\n[startProcess] --- restart of ${options.name} ---\n`);
      await startAndWait();
    },
  };

  // Started inside a test: stop it when that test ends, pass or fail. Started in a hook: the
  // caller stops it in afterAll, and the watchdog covers a worker that dies first.
  try {
    onTestFinished(async () => {
      await handle.stop('SIGTERM', 5_000);
    });
  } catch {
    // not inside a test
  }

  await startAndWait();
  return handle;
}

function tail(text: string, lines = 20): string {
  return text.split('\n').slice(-lines).join('\n');
}
