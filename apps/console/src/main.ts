// The console server: configuration from the environment, the built site, the app, signals.
import { createLogger, loadConfig, runMain } from '@careline/runtime';
import { buildApp, defaultPublicDir } from './app';
import { configSchema } from './config';
import { loadSite } from './server/static-site';

await runMain('console', async () => {
  const config = loadConfig(configSchema);
  const logger = createLogger({ name: 'console', level: config.LOG_LEVEL });
  const site = await loadSite(config.CONSOLE_PUBLIC_DIR ?? defaultPublicDir());
  const app = buildApp(config, { logger, site });
  app.lifecycle.installSignalHandlers();
  await app.lifecycle.start();
  logger.info({ port: app.http.address()?.port }, 'console started');
});
