// Composition root: configuration from the environment, the simulator, listen; SIGTERM/SIGINT
// close it (requests under way finish, pending webhooks are dropped). Standalone for now; when
// @careline/runtime lands, its config/logging/lifecycle/health replace the few lines here.
import { ConfigError, loadConfig } from './config';
import { buildSimulator } from './simulator';

async function main(): Promise<void> {
  const config = loadConfig(process.env);
  const simulator = buildSimulator(config);
  await simulator.app.listen({ host: config.host, port: config.port });
  simulator.app.log.info(
    { businesses: config.businesses.length, patients: config.patients.length, port: config.port },
    'wa-simulator listening',
  );

  let closing = false;
  const shutdown = (signal: NodeJS.Signals) => {
    if (closing) return;
    closing = true;
    simulator.app.log.info({ signal }, 'wa-simulator shutting down');
    simulator.close().then(
      () => process.exit(0),
      (error: unknown) => {
        simulator.app.log.error({ err: error }, 'wa-simulator did not close cleanly');
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', shutdown);
  process.once('SIGINT', shutdown);
}

main().catch((error: unknown) => {
  const message =
    error instanceof ConfigError
      ? `configuration: ${error.message}`
      : error instanceof Error
        ? error.message
        : String(error);
  process.stderr.write(`wa-simulator: ${message}\n`);
  process.exit(1);
});
