// The audit process: configuration from the environment, the app, signals. Nothing else.
import { createLogger, loadConfig, runMain } from '@careline/runtime';
import { buildApp } from './app';
import { configSchema } from './config';

await runMain('audit', async () => {
  const config = loadConfig(configSchema);
  const logger = createLogger({ name: 'audit', level: config.LOG_LEVEL });
  const app = buildApp(config, { logger });
  app.lifecycle.installSignalHandlers();
  await app.lifecycle.start();
  logger.info({ port: app.http.address()?.port, grpcPort: app.grpc.port() }, 'audit started');
});
