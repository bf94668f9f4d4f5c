// Helpers for this package's own tests (not exported from index.ts).
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
export { captureLogger, type CapturedLogger } from './testing';

export interface Child {
  stdout(): string;
  stderr(): string;
  /** Exit code (or the signal name when killed by one). */
  exited: Promise<number | string>;
  waitForStdout(text: string, timeoutMs?: number): Promise<void>;
  kill(signal: NodeJS.Signals): void;
}

/** Runs one of `src/__fixtures__/*.ts` as its own Node process (through tsx), as an app would run. */
export function spawnFixture(name: string, env: Record<string, string> = {}): Child {
  const script = fileURLToPath(new URL(`./__fixtures__/${name}.ts`, import.meta.url));
  const child = spawn(process.execPath, ['--import', 'tsx', script], {
    cwd: fileURLToPath(new URL('..', import.meta.url)),
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (err += chunk));
  const exited = new Promise<number | string>((resolve) => {
    child.once('close', (code, signal) => resolve(code ?? signal ?? 'unknown'));
  });
  return {
    stdout: () => out,
    stderr: () => err,
    exited,
    kill: (signal) => void child.kill(signal),
    async waitForStdout(text, timeoutMs = 15_000) {
      const deadline = Date.now() + timeoutMs;
      while (!out.includes(text)) {
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${JSON.stringify(text)}; stderr: ${err}`);
        if (child.exitCode !== null) throw new Error(`exited ${child.exitCode} before ${JSON.stringify(text)}; stderr: ${err}`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    },
  };
}
