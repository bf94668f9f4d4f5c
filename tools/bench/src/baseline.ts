// Starts the baseline endpoint (./baseline-server.ts) as its own process, like the apps: on
// loopback, a free port, ready when /readyz answers, its output in test-output/processes/.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type StartedProcess, freePort, startProcess } from '@careline/testing';

const here = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(here, '../../..');

export interface Baseline {
  /** The POST endpoint, same path as the gateway's. */
  url: string;
  process: StartedProcess;
  stop(): Promise<void>;
}

export async function startBaseline(options: { label: string; host?: string }): Promise<Baseline> {
  const host = options.host ?? '127.0.0.1';
  const port = await freePort();
  const handle = await startProcess({
    name: `${options.label}.baseline`,
    command: process.execPath,
    // tsx only transpiles at load; the server runs the same JavaScript as a bundle would.
    args: ['--import', 'tsx', path.join(here, 'baseline-server.ts')],
    env: { BENCH_BASELINE_PORT: String(port), BENCH_BASELINE_HOST: host, NODE_OPTIONS: undefined },
    cwd: repoRoot,
    readyUrl: `http://${host}:${port}/readyz`,
    readyTimeoutMs: 30_000,
  });
  return {
    url: `http://${host}:${port}/webhooks/whatsapp`,
    process: handle,
    stop: async () => {
      await handle.stop('SIGTERM', 5_000);
    },
  };
}
