// scheduling as a process: read the environment, build, start; SIGTERM drains in reverse order.
import { createLogger, loadConfig, runMain } from '@careline/runtime';
import { buildApp } from './app';
import { configSchema } from './config';

await runMain('scheduling', async () => {
  const config = loadConfig(configSchema);
  const logger = createLogger({ name: 'scheduling', level: config.logLevel });
  const app = buildApp(config, { logger });
  app.lifecycle.installSignalHandlers();
  await app.lifecycle.start();
  logger.info({ http_port: app.http.address()?.port, grpc_port: app.grpc.port() }, 'scheduling started');
});
