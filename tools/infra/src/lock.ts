import { promises as fs } from 'node:fs';
import path from 'node:path';
import { InfraError } from './errors';
import { isAlive, sleep } from './proc';

/**
 * Serialises `up`/`down` on one state dir: several vitest runs (nx runs projects in parallel) may
 * call ensureInfra at the same moment, and two initdb or two brokers on one data dir would fail.
 * The lock file holds the owner's pid, so a lock left by a killed process is taken over.
 */
export async function withStateLock<T>(stateDir: string, timeoutMs: number, fn: () => Promise<T>): Promise<T> {
  await fs.mkdir(stateDir, { recursive: true });
  const lockFile = path.join(stateDir, 'infra.lock');
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await fs.writeFile(lockFile, String(process.pid), { flag: 'wx' });
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const owner = Number.parseInt(await fs.readFile(lockFile, 'utf8').catch(() => ''), 10);
      // An empty file may be one that its owner has created but not yet written: only old ones are stale.
      const stale = Number.isInteger(owner) && owner > 0 ? !isAlive(owner) : await olderThan(lockFile, 5_000);
      if (stale) {
        await fs.rm(lockFile, { force: true });
        continue;
      }
      if (Date.now() >= deadline) {
        throw new InfraError(`another infra command (pid ${Number.isNaN(owner) ? '?' : owner}) holds ${lockFile}; wait for it or remove the file`);
      }
      await sleep(100);
    }
  }
  try {
    return await fn();
  } finally {
    await fs.rm(lockFile, { force: true });
  }
}

async function olderThan(file: string, ms: number): Promise<boolean> {
  try {
    return Date.now() - (await fs.stat(file)).mtimeMs > ms;
  } catch {
    return true;
  }
}
