import { loadConfig } from './config';
import { ConfigError } from '../common/errors';
import { createLogger } from '../common/logger';
import { loadTemporalSettings } from '../common/temporal/settings';
import { parseCentralArgs, startCentral } from './roles';

/**
 * The central process: `--role=api` (HTTP only), `--role=worker` (the central worker only) or `--role=all`
 * (both; the default, and the only role on PGlite). `npm start` runs `all` through scripts/start.ts.
 * SIGINT/SIGTERM stop it cleanly; a crashed worker exits 1.
 */
async function main(): Promise<number> {
  const args = parseCentralArgs(process.argv.slice(2));
  const config = loadConfig();
  const logger = createLogger(config.logLevel, { service: 'latchkey', role: args.role });
  const runtime = await startCentral(args.role, config, loadTemporalSettings(), {
    logger,
    workflowBundlePath: args.workflowBundlePath,
  });
  if (runtime.url) logger.info('HTTP server listening', { url: runtime.url, publicUrl: config.publicUrl });
  // The worker role serves no /healthz, so it says once in its log that it polls and what it can reach.
  if (args.role !== 'api') {
    logger.info('Central worker running', {
      namespace: runtime.namespace,
      taskQueue: runtime.internals.taskQueue,
      health: await runtime.health(),
    });
  }

  const stopped = new Promise<number>((resolve) => {
    const stop = () => void runtime.stop().then(() => resolve(0));
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  const crashed = runtime.workerStopped.then(
    () => stopped,
    async (error: Error) => {
      logger.error('The central worker crashed', { error: error.message });
      await runtime.stop();
      return 1;
    },
  );
  return Promise.race([stopped, crashed]);
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(
      error instanceof ConfigError ? error.message : `[latchkey] start failed: ${(error as Error).message}`,
    );
    process.exit(1);
  },
);
