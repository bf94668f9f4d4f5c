// Child process for run-main.test.ts: an app whose configuration is wrong.
import { z } from 'zod';
import { loadConfig, port, brokers, runMain, secret } from '../index';

const schema = z.object({ PORT: port(), KAFKA_BROKERS: brokers(), APP_SECRET: secret().pipe(z.string().min(32)) });

await runMain('demo-app', async () => {
  loadConfig(schema);
  await Promise.resolve();
});
