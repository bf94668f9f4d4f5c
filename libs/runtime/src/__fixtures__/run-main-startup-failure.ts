// Child process for run-main.test.ts: an app whose second resource cannot connect.
import { connect } from 'node:net';
import { createLifecycle, createLogger, runMain } from '../index';

await runMain('demo-app', async () => {
  const logger = createLogger({ name: 'demo-app', level: 'info' });
  const lifecycle = createLifecycle({ logger });
  lifecycle.add({
    name: 'first',
    start: () => Promise.resolve(),
    stop: () => Promise.resolve(void process.stdout.write('first stopped\n')),
  });
  lifecycle.add({
    name: 'postgres',
    // A real refused connection (nothing listens on port 1), as a database would report it.
    start: () =>
      new Promise<void>((resolve, reject) => {
        const socket = connect({ host: '127.0.0.1', port: 1 });
        socket.once('connect', () => resolve());
        socket.once('error', reject);
      }),
    stop: () => Promise.resolve(),
  });
  await lifecycle.start();
});
