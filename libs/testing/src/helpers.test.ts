import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { testEnv } from './env';
import { freePort, uniqueName, waitFor } from './helpers';

describe('uniqueName', () => {
  it('gives different names that are valid topics and unquoted Postgres identifiers', () => {
    const names = new Set(Array.from({ length: 200 }, () => uniqueName('orders')));
    expect(names.size).toBe(200);
    for (const name of names) {
      expect(name).toMatch(/^orders_[a-z0-9]+$/);
      expect(name.length).toBeLessThanOrEqual(63);
    }
  });

  it('refuses a prefix that would need quoting', () => {
    expect(() => uniqueName('Orders-1')).toThrow(/prefix/);
  });
});

describe('waitFor', () => {
  it('resolves to the first truthy value, retrying through falsy values and errors', async () => {
    let calls = 0;
    const value = await waitFor(
      () => {
        calls += 1;
        if (calls === 1) throw new Error('not yet');
        return calls >= 3 ? { calls } : null;
      },
      { message: 'three calls', intervalMs: 5 },
    );
    expect(value).toEqual({ calls: 3 });
  });

  it('fails after the timeout with what was awaited and the last error', async () => {
    const started = Date.now();
    await expect(
      waitFor(
        () => {
          throw new Error('broker unreachable');
        },
        { message: 'the consumer to catch up', timeoutMs: 150, intervalMs: 20 },
      ),
    ).rejects.toThrow(
      /timed out after 150 ms waiting for the consumer to catch up; last error: broker unreachable/,
    );
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
  });
});

describe('freePort', () => {
  it('returns a port that can be listened on', async () => {
    const port = await freePort();
    const server = net.createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', resolve);
    });
    await new Promise((resolve) => server.close(resolve));
  });
});

describe('testEnv', () => {
  it('tells how to configure the global setup when the variables are missing', () => {
    expect(() => testEnv({})).toThrow(/globalSetup: \['\.\.\/\.\.\/libs\/testing\/src\/global-setup\.ts'\]/);
  });

  it('returns the URLs when both are set', () => {
    expect(testEnv({ DATABASE_URL: 'postgres://u@h:5432/d', KAFKA_BROKERS: 'h:9092' })).toEqual({
      databaseUrl: 'postgres://u@h:5432/d',
      kafkaBrokers: 'h:9092',
    });
  });
});
