import { describe, expect, it } from 'vitest';
import { StartupError, createLifecycle, type Resource } from './lifecycle';
import { captureLogger, spawnFixture } from './test-helpers';

function recorder() {
  const events: string[] = [];
  const resource = (name: string, behaviour: { failStart?: boolean; failStop?: boolean; stopMs?: number } = {}): Resource => ({
    name,
    start: () => {
      events.push(`start ${name}`);
      return behaviour.failStart ? Promise.reject(new Error(`${name} refused`)) : Promise.resolve();
    },
    drain: () => void events.push(`drain ${name}`),
    stop: () => {
      events.push(`stop ${name}`);
      if (behaviour.failStop) return Promise.reject(new Error(`${name} stop failed`));
      return new Promise((resolve) => setTimeout(resolve, behaviour.stopMs ?? 0));
    },
  });
  return { events, resource };
}

describe('createLifecycle', () => {
  it('starts in order and stops in reverse, draining every resource first', async () => {
    const { events, resource } = recorder();
    const { logger } = captureLogger();
    const lifecycle = createLifecycle({ logger });
    for (const name of ['db', 'bus', 'http']) lifecycle.add(resource(name));
    await lifecycle.start();
    expect(lifecycle.state()).toBe('running');
    expect(lifecycle.isDraining()).toBe(false);
    await lifecycle.stop();
    expect(events).toEqual([
      'start db',
      'start bus',
      'start http',
      'drain http',
      'drain bus',
      'drain db',
      'stop http',
      'stop bus',
      'stop db',
    ]);
    expect(lifecycle.state()).toBe('stopped');
  });

  it('on a failed start stops what already started, in reverse, and throws naming the resource', async () => {
    const { events, resource } = recorder();
    const { logger } = captureLogger();
    const lifecycle = createLifecycle({ logger });
    lifecycle.add(resource('db'));
    lifecycle.add(resource('bus'));
    lifecycle.add(resource('grpc', { failStart: true }));
    lifecycle.add(resource('http'));
    const error = await lifecycle.start().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(StartupError);
    expect((error as StartupError).resource).toBe('grpc');
    expect((error as StartupError).message).toBe('grpc failed to start: grpc refused');
    expect(((error as StartupError).cause as Error).message).toBe('grpc refused');
    expect(events).toEqual(['start db', 'start bus', 'start grpc', 'stop bus', 'stop db']);
  });

  it('bounds each stop by the timeout, logs failures and carries on', async () => {
    const { events, resource } = recorder();
    const { logger, records } = captureLogger();
    const lifecycle = createLifecycle({ logger, shutdownTimeoutMs: 50 });
    lifecycle.add(resource('db'));
    lifecycle.add(resource('stuck', { stopMs: 10_000 }));
    lifecycle.add(resource('broken', { failStop: true }));
    await lifecycle.start();
    const began = Date.now();
    await lifecycle.stop();
    expect(Date.now() - began).toBeLessThan(2000);
    expect(events.slice(-3)).toEqual(['stop broken', 'stop stuck', 'stop db']);
    const failures = records().filter((r) => r.msg === 'resource failed to stop');
    expect(failures.map((r) => r.resource)).toEqual(['broken', 'stuck']);
    expect(failures[1]).toMatchObject({ err: { type: 'TimeoutError' } });
  });

  it('stop is idempotent', async () => {
    const { events, resource } = recorder();
    const { logger } = captureLogger();
    const lifecycle = createLifecycle({ logger });
    lifecycle.add(resource('db'));
    await lifecycle.start();
    await Promise.all([lifecycle.stop(), lifecycle.stop()]);
    await lifecycle.stop();
    expect(events.filter((e) => e === 'stop db')).toHaveLength(1);
  });

  it('a stop during start lets the in-flight start finish, starts nothing more and stops what started', async () => {
    const events: string[] = [];
    const { logger } = captureLogger();
    const lifecycle = createLifecycle({ logger });
    let release: () => void = () => undefined;
    lifecycle.add({
      name: 'slow',
      start: () => new Promise<void>((resolve) => (release = resolve)),
      stop: () => Promise.resolve(void events.push('stop slow')),
    });
    lifecycle.add({ name: 'never', start: () => Promise.resolve(void events.push('start never')), stop: () => Promise.resolve() });
    const starting = lifecycle.start();
    await new Promise((resolve) => setTimeout(resolve, 10));
    const stopping = lifecycle.stop();
    expect(lifecycle.isDraining()).toBe(true);
    release();
    await starting;
    await stopping;
    expect(events).toEqual(['stop slow']);
  });

  it('refuses resources added after start', async () => {
    const { logger } = captureLogger();
    const lifecycle = createLifecycle({ logger });
    await lifecycle.start();
    expect(() => lifecycle.add({ name: 'late', start: () => Promise.resolve(), stop: () => Promise.resolve() })).toThrow(/late/);
  });
});

// Each case starts a Node process through tsx: generous timeouts for a busy CI machine.
describe('installSignalHandlers in a real process', { timeout: 30_000 }, () => {
  it.each(['SIGTERM', 'SIGINT'] as const)('%s drains once, stops in reverse and exits 0', async (signal) => {
    const child = spawnFixture('signal-drain');
    await child.waitForStdout('ready');
    child.kill(signal);
    expect(await child.exited).toBe(0);
    const markers = child
      .stdout()
      .split('\n')
      .filter((line) => /^(drain|stop) /.test(line));
    expect(markers).toEqual(['drain http', 'drain consumer', 'drain db', 'stop http', 'stop consumer', 'stop db']);
  });

  it('a second signal exits at once without finishing the drain', async () => {
    const child = spawnFixture('signal-drain', { STOP_DELAY_MS: '60000' });
    await child.waitForStdout('ready');
    child.kill('SIGTERM');
    await child.waitForStdout('stop http');
    const began = Date.now();
    child.kill('SIGTERM');
    expect(await child.exited).toBe(1);
    expect(Date.now() - began).toBeLessThan(5000);
    expect(child.stdout()).not.toContain('stop db');
  });
});
