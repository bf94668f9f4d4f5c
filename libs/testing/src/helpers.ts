import { randomBytes } from 'node:crypto';
import net from 'node:net';
import { inspect } from 'node:util';

/**
 * A name no other test (or earlier run) uses, for topics, consumer groups and databases: the
 * prefix, then `_`, then time and randomness in lowercase base36. Valid as a Kafka topic and as an
 * unquoted Postgres identifier when the prefix is (letters, digits, `_`; at most 40 characters).
 */
export function uniqueName(prefix: string): string {
  if (!/^[a-z][a-z0-9_]{0,39}$/.test(prefix)) {
    throw new Error(
      `uniqueName: prefix must be lowercase letters, digits or _ (at most 40), starting with a letter: '${prefix}'`,
    );
  }
  const random = BigInt(`0x${randomBytes(8).toString('hex')}`).toString(36);
  return `${prefix}_${Date.now().toString(36)}${random}`;
}

export interface WaitForOptions {
  /** What is awaited, for the failure message: "the consumer to see 3 messages". */
  message: string;
  /** Default 10 s. */
  timeoutMs?: number;
  /** Default 100 ms. */
  intervalMs?: number;
}

type Truthy<T> = Exclude<T, false | 0 | '' | null | undefined>;

/**
 * Calls `fn` until it returns a truthy value (which it resolves to) without throwing. On timeout
 * it fails with the message and the last error `fn` threw, if any.
 */
export async function waitFor<T>(
  fn: () => T | Promise<T>,
  options: WaitForOptions,
): Promise<Truthy<Awaited<T>>> {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const intervalMs = options.intervalMs ?? 100;
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await fn();
      if (value) return value as Truthy<Awaited<T>>;
      lastError = undefined;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() >= deadline) {
      const cause =
        lastError === undefined
          ? ''
          : `; last error: ${lastError instanceof Error ? lastError.message : inspect(lastError)}`;
      throw new Error(`waitFor: timed out after ${timeoutMs} ms waiting for ${options.message}${cause}`, {
        cause: lastError,
      });
    }
    await new Promise((resolve) =>
      setTimeout(resolve, Math.min(intervalMs, Math.max(0, deadline - Date.now()))),
    );
  }
}

/** A TCP port on 127.0.0.1 that was free a moment ago (the OS picks it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => {
        if (address !== null && typeof address === 'object') resolve(address.port);
        else reject(new Error('freePort: the OS gave no port'));
      });
    });
  });
}
