import { describe, expect, it } from 'vitest';
import { ConfigError } from './config';
import { describeError, runMain } from './run-main';
import { spawnFixture } from './test-helpers';

// Each case starts a Node process through tsx: generous timeouts for a busy CI machine.
describe('runMain in a real process', { timeout: 30_000 }, () => {
  it('prints one line naming every bad variable and exits 1, without echoing the secret', async () => {
    const marker = 'SECRET-MARKER-too-short';
    const child = spawnFixture('run-main-config-error', { PORT: 'abc', APP_SECRET: marker });
    expect(await child.exited).toBe(1);
    expect(child.stderr()).toBe(
      'demo-app: invalid configuration: PORT must be an integer 1-65535 (got "abc"); KAFKA_BROKERS is required; ' +
        'APP_SECRET is invalid (too small: expected string to have >=32 characters)\n',
    );
    expect(child.stderr() + child.stdout()).not.toContain(marker);
  });

  it('prints the failing resource and cause in one line, after stopping what started', async () => {
    const child = spawnFixture('run-main-startup-failure');
    expect(await child.exited).toBe(1);
    expect(child.stderr()).toBe('demo-app: postgres failed to start: connect ECONNREFUSED 127.0.0.1:1\n');
    expect(child.stdout()).toContain('first stopped');
  });

  it('adds the stack only when LOG_LEVEL=debug', async () => {
    const child = spawnFixture('run-main-startup-failure', { LOG_LEVEL: 'debug' });
    expect(await child.exited).toBe(1);
    const lines = child.stderr().trimEnd().split('\n');
    expect(lines[0]).toBe('demo-app: postgres failed to start: connect ECONNREFUSED 127.0.0.1:1');
    expect(lines.length).toBeGreaterThan(1);
    expect(lines[1]).toContain('StartupError');
  });
});

describe('runMain in process', () => {
  it('does nothing more when main resolves', async () => {
    const writes: string[] = [];
    const exits: number[] = [];
    await runMain('app', () => Promise.resolve(), { writeErr: (t) => writes.push(t), exit: (c) => exits.push(c) });
    expect(writes).toEqual([]);
    expect(exits).toEqual([]);
  });

  it('flattens multi-line messages and names a DomainError by its code', async () => {
    const writes: string[] = [];
    const exits: number[] = [];
    const options = { env: {}, writeErr: (t: string) => void writes.push(t), exit: (c: number) => void exits.push(c) };
    await runMain('app', () => Promise.reject(new Error('line one\n  line two')), options);
    await runMain('app', () => Promise.reject(new ConfigError([{ variable: 'X', message: 'is required' }])), options);
    expect(writes).toEqual(['app: line one line two\n', 'app: invalid configuration: X is required\n']);
    expect(exits).toEqual([1, 1]);
  });
});

describe('describeError', () => {
  it('uses the inner errors of an AggregateError with no message, and follows causes', () => {
    const refused = (port: number) => Object.assign(new Error(`connect ECONNREFUSED 127.0.0.1:${port}`), { code: 'ECONNREFUSED' });
    const aggregate = Object.assign(new AggregateError([refused(5432), refused(5433)], ''), { code: 'ECONNREFUSED' });
    expect(describeError(new Error('pool failed', { cause: aggregate }))).toBe(
      'pool failed: connect ECONNREFUSED 127.0.0.1:5432; connect ECONNREFUSED 127.0.0.1:5433',
    );
    expect(describeError(Object.assign(new Error(''), { code: 'EPIPE' }))).toBe('EPIPE');
    expect(describeError('plain')).toBe('plain');
  });
});
