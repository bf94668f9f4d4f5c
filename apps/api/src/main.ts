// The api process: configuration from the environment, then buildApp, then serve until SIGTERM.
import { createLogger, loadConfig, runMain } from '@careline/runtime';
import { buildApp } from './app';
import { configSchema } from './config';

await runMain('api', async () => {
  const config = loadConfig(configSchema);
  const logger = createLogger({ name: 'api', level: config.logLevel });
  const app = await buildApp(config, { logger });
  app.lifecycle.installSignalHandlers();
  await app.lifecycle.start();
});
