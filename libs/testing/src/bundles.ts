// Apps as they ship: tests that start an app as a process run its bundle (dist/apps/<app>/main.js),
// built here so that a plain `vitest run` does not depend on an earlier `nx build`.
import { execFile, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));

/** Builds `apps/<app>` with the workspace bundler and returns the bundle's path. */
export async function buildAppBundle(app: string): Promise<string> {
  await promisify(execFile)(process.execPath, ['../../tools/build/bundle.mjs'], {
    cwd: `${repoRoot}apps/${app}`,
  });
  return `${repoRoot}dist/apps/${app}/main.js`;
}

export interface Exited {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a command to its end (for a process expected to exit, e.g. on bad configuration). */
export function runToExit(
  command: string,
  args: readonly string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv } = {},
): Promise<Exited> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, [...args], {
      cwd: options.cwd ?? repoRoot,
      env: options.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}
