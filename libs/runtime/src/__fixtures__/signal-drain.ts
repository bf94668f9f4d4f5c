// Child process for lifecycle.test.ts: a running app that drains on SIGTERM/SIGINT.
// STOP_DELAY_MS makes the last resource's stop slow, to test a second signal.
import { createLifecycle, createLogger } from '../index';

const logger = createLogger({ name: 'drain-app', level: 'info' });
const lifecycle = createLifecycle({ logger, shutdownTimeoutMs: 30_000 });
const stopDelayMs = Number(process.env.STOP_DELAY_MS ?? '0');
for (const name of ['db', 'consumer', 'http']) {
  lifecycle.add({
    name,
    start: () => Promise.resolve(),
    drain: () => void process.stdout.write(`drain ${name}\n`),
    stop: () =>
      new Promise<void>((resolve) => {
        process.stdout.write(`stop ${name}\n`);
        setTimeout(resolve, name === 'http' ? stopDelayMs : 0);
      }),
  });
}
lifecycle.installSignalHandlers();
await lifecycle.start();
// Keep the process alive the way a listening server would.
setInterval(() => undefined, 1000);
process.stdout.write('ready\n');
