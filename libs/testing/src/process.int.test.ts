// Real processes (a tiny node HTTP app), no Postgres or Kafka.
import { spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { freePort, waitFor } from './helpers';
import { startProcess, type StartedProcess } from './process';

const here = path.dirname(fileURLToPath(import.meta.url));
const appScript = path.join(here, 'fixtures', 'http-app.mjs');

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function startApp(env: Record<string, string> = {}): Promise<StartedProcess> {
  const port = await freePort();
  return startProcess({
    name: 'http-app',
    command: process.execPath,
    args: [appScript],
    env: { PORT: String(port), ...env },
    readyUrl: `http://127.0.0.1:${port}/healthz`,
    readyTimeoutMs: 10_000,
  });
}

describe('startProcess', { timeout: 60_000 }, () => {
  const started: StartedProcess[] = [];
  afterEach(async () => {
    for (const app of started.splice(0)) await app.kill9();
  });

  it('waits until ready, captures stdout and stderr in memory and in a file, and stops with SIGTERM', async () => {
    const app = await startApp();
    started.push(app);
    expect(app.running()).toBe(true);
    expect((await fetch(`${app.url}/healthz`)).status).toBe(200);
    await waitFor(() => app.logs().includes('a line on stderr'), { message: 'stderr in the logs' });
    expect(app.logs()).toContain('listening on');

    expect(await app.stop()).toBe(0);
    expect(app.running()).toBe(false);
    expect(app.logs()).toContain('bye');
    expect(path.relative(path.join(here, '../../..'), app.logFile)).toMatch(
      /^test-output\/processes\/http-app-/,
    );
    await waitFor(async () => (await fs.readFile(app.logFile, 'utf8')).includes('bye'), {
      message: 'the log file to hold the output',
    });
  });

  it('kill9 crashes the app and restart brings it back ready under a new pid', async () => {
    const app = await startApp();
    started.push(app);
    const firstPid = app.pid;
    await app.kill9();
    expect(app.running()).toBe(false);
    expect(isAlive(firstPid)).toBe(false);
    await expect(fetch(`${app.url}/healthz`)).rejects.toThrow();

    await app.restart();
    expect(app.running()).toBe(true);
    expect(app.pid).not.toBe(firstPid);
    expect((await fetch(`${app.url}/healthz`)).status).toBe(200);
    expect(app.logs()).toContain('--- restart of http-app ---');
  });

  it('stops the whole process group, children included', async () => {
    const app = await startApp({ SPAWN_CHILD: '1' });
    started.push(app);
    const childPid = Number(
      /child pid (\d+)/.exec(
        await waitFor(() => /child pid \d+/.exec(app.logs())?.[0], { message: 'the child pid' }),
      )?.[1],
    );
    expect(isAlive(childPid)).toBe(true);
    await app.stop();
    await waitFor(() => !isAlive(childPid), { message: 'the child to be gone', timeoutMs: 5_000 });
  });

  it('escalates to SIGKILL when SIGTERM is ignored and reports the signal as 128 + 9', async () => {
    const app = await startApp({ IGNORE_SIGTERM: '1' });
    started.push(app);
    expect(await app.stop('SIGTERM', 300)).toBe(137);
    expect(app.logs()).toContain('ignoring SIGTERM');
  });

  it('fails with the log when the app exits before it is ready', async () => {
    await expect(
      startProcess({
        name: 'broken-app',
        command: process.execPath,
        args: ['-e', "console.error('missing CONFIG_X'); process.exit(3)"],
        readyUrl: `http://127.0.0.1:${await freePort()}/healthz`,
      }),
    ).rejects.toThrow(/broken-app exited \(code 3\)[\s\S]*missing CONFIG_X/);
  });

  it('leaves no orphan when the test worker dies without cleaning up', async () => {
    const port = await freePort();
    const parent = spawn(
      process.execPath,
      ['--import', 'tsx', path.join(here, 'fixtures', 'orphan-parent.ts'), String(port)],
      {
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    let output = '';
    parent.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    const appPid = Number(
      await waitFor(() => /app pid (\d+)/.exec(output)?.[1], { message: 'the app pid', timeoutMs: 20_000 }),
    );
    expect(isAlive(appPid)).toBe(true);
    parent.kill('SIGKILL');
    await waitFor(() => !isAlive(appPid), {
      message: 'the watchdog to kill the orphaned app',
      timeoutMs: 5_000,
    });
  });
});
