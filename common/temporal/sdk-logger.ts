import { DefaultLogger, Runtime, type LogLevel as SdkLogLevel } from '@temporalio/worker';
import type { Logger, LogLevel } from '../logger';

const targets = new Set<Logger>();
let installed = false;
const NEXUS_ONLY_NOTICE = /^No (workflows|activities) registered, not polling for (workflow|activity) tasks$/;

/**
 * Routes the Temporal SDK's own logging (worker state, task failures) into our structured logger at our level,
 * instead of its default console output. The SDK runtime can be installed once per process, with the level of
 * the first call; every logger registered since receives the lines (a test may host an app and an agent in one
 * process, and each must see what the SDK said). Returns the function that unregisters `logger`.
 */
export function installSdkLogger(logger: Logger, level: LogLevel): () => void {
  targets.add(logger);
  const unregister = () => void targets.delete(logger);
  if (installed) return unregister;
  installed = true;
  const sdkLevel: SdkLogLevel =
    level === 'silent' || level === 'error' ? 'ERROR' : level === 'debug' ? 'DEBUG' : 'WARN';
  Runtime.install({
    // Forwarded too: the SDK's native core otherwise prints its own warnings (reconnects, retries) to stderr.
    telemetryOptions: { logging: { filter: { core: 'WARN', other: 'ERROR' }, forward: {} } },
    logger: new DefaultLogger(sdkLevel, (entry) => {
      // An agent's worker serves Nexus only, and says so at every start as if it were a mistake.
      if (NEXUS_ONLY_NOTICE.test(entry.message)) return;
      const method = entry.level === 'ERROR' ? 'error' : entry.level === 'WARN' ? 'warn' : 'debug';
      // Only the message and ids: the SDK's log metadata can carry workflow arguments.
      for (const target of targets) {
        target[method](entry.message, {
          source: 'temporal-sdk',
          workflowId: entry.meta?.workflowId,
          activityType: entry.meta?.activityType,
        });
      }
    }),
  });
  return unregister;
}
