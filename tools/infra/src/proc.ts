import { execFile } from 'node:child_process';
import { constants as fsConstants, promises as fs } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { missingTool } from './errors';

export interface CommandResult {
  code: number;
  output: string;
}

/** Runs a program to its end and collects stdout+stderr; never throws for a non-zero exit. */
export function runCommand(command: string, args: readonly string[], timeoutMs = 120_000): Promise<CommandResult> {
  return new Promise((resolve) => {
    execFile(command, args, { timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      const output = `${stdout}${stderr}`;
      if (!error) return resolve({ code: 0, output });
      const code = typeof error.code === 'number' ? error.code : 1;
      resolve({ code, output: output || error.message });
    });
  });
}

export function isRoot(): boolean {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}

/** runuser lives in sbin, which a non-login PATH may lack. */
async function runuserPath(): Promise<string> {
  const found = (await findOnPath('runuser')) ?? ((await exists('/usr/sbin/runuser')) ? '/usr/sbin/runuser' : undefined);
  if (!found) throw missingTool('runuser (to run Postgres as the postgres user when root)', 'util-linux');
  return found;
}

/** Postgres refuses to run as root, so as root its programs run as the `postgres` user. */
export async function asPostgresUser(command: string, args: readonly string[]): Promise<[string, string[]]> {
  return isRoot() ? [await runuserPath(), ['-u', 'postgres', '--', command, ...args]] : [command, [...args]];
}

export async function findOnPath(name: string, env: NodeJS.ProcessEnv = process.env): Promise<string | undefined> {
  for (const dir of (env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, name);
    try {
      await fs.access(candidate, fsConstants.X_OK);
      return candidate;
    } catch {
      // not in this directory
    }
  }
  return undefined;
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else (e.g. postgres as its own user).
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The command line of a live process (Linux /proc), to tell our daemon from a recycled pid. */
export async function commandLine(pid: number): Promise<string | undefined> {
  try {
    return (await fs.readFile(`/proc/${pid}/cmdline`, 'utf8')).split('\0').join(' ');
  } catch {
    return undefined;
  }
}

/** True when nothing listens on host:port (we can bind it ourselves). */
export function isPortFree(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen({ port, host, exclusive: true }, () => server.close(() => resolve(true)));
  });
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `check` until it returns true or the deadline passes; returns whether it succeeded. */
export async function pollUntil(check: () => Promise<boolean>, timeoutMs: number, intervalMs = 200): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return true;
    if (Date.now() >= deadline) return false;
    await sleep(intervalMs);
  }
}

export async function exists(file: string): Promise<boolean> {
  try {
    await fs.access(file);
    return true;
  } catch {
    return false;
  }
}

/** The last non-empty lines of a log file, for error messages that point at the cause. */
export async function lastLines(file: string, count: number): Promise<string[]> {
  try {
    const text = await fs.readFile(file, 'utf8');
    return text.split('\n').filter((line) => line.trim() !== '').slice(-count);
  } catch {
    return [];
  }
}
