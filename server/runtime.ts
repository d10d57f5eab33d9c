import type { Client } from '@temporalio/client';
import type { Worker } from '@temporalio/worker';
import { loadMessageTemplates } from '../activities/message-templates';
import type { LockoutReportActivities } from '../common/domain/lockout';
import type { Config } from './config';
import type { Secrets } from '../common/crypto/secrets';
import { createLogger, type Logger } from '../common/logger';
import { installSdkLogger } from '../common/temporal/sdk-logger';
import type { TemporalSettings } from '../common/temporal/settings';
import type { Agent } from 'node:https';
import type { Outbox } from '../plugins/dev-outbox/outbox';
import type { PasswordResetInput } from '../workflows/password-reset/password-reset.workflow';
import { CleanupStack } from './compose/cleanup-stack';
import { healthCheck, type Health } from './compose/health';
import { buildHttp } from './compose/http';
import { buildProviders } from './compose/providers';
import { buildStores, type Stores } from './compose/stores';
import { buildTemporal } from './compose/temporal';
import { buildWorker } from './compose/worker';
import type { Database } from './db/connect';
import { ResetOutcomes } from './services/reset-outcomes';

/** What one central process runs: the HTTP server, the central worker, or both (the only choice on PGlite). */
export type Role = 'api' | 'worker' | 'all';
export const ROLES: readonly Role[] = ['api', 'worker', 'all'];

/**
 * Knobs only tests turn, gathered so that none of them can come from production config. Production entry
 * points (server/main.ts, scripts/start.ts) never pass this.
 */
export interface TestHooks {
  /** A central queue of the test's own, so parallel test files do not steal each other's tasks. */
  taskQueue?: string;
  /** Tighter bounds on the directory step of a reset. */
  directoryTimeouts?: PasswordResetInput['directory'];
  /** Use this outbox instead of a new one, so the test reads messages from it directly. */
  outbox?: Outbox;
  /** TLS for the push services: an agent that trusts the fakes' test CA (test/fakes/fake-push-service.ts). */
  pushAgent?: Agent;
}

export interface StartOptions {
  role?: Role;
  logger?: Logger;
  /** A workflow bundle built by scripts/build-workflow-bundle.ts; without it the worker bundles from source. */
  workflowBundlePath?: string;
  testHooks?: TestHooks;
}

/** What the dev tenant seeding in `npm start` and the tests reach into; no route or process depends on it. */
export interface RuntimeInternals {
  db: Database;
  stores: Stores;
  secrets: Secrets;
  temporal: Client;
  taskQueue: string;
  /** The central worker's lockout report, for tests that stand in for the agent's watch; absent in the api role. */
  lockoutReport?: LockoutReportActivities;
}

export interface LatchkeyRuntime {
  role: Role;
  /** Where the HTTP server listens; undefined in the worker role, which serves no HTTP. */
  url: string | undefined;
  config: Config;
  namespace: string;
  outbox: Outbox | undefined;
  health: () => Promise<Health>;
  /** Settles when the worker stops and rejects if it crashed; never settles in the api role. */
  workerStopped: Promise<void>;
  internals: RuntimeInternals;
  stop(): Promise<void>;
}

/**
 * The composition root: each builder opens its part and registers how to close it on one cleanup stack, which
 * runs in reverse order on stop and after a failed start alike.
 */
export async function startLatchkey(
  config: Config,
  settings: TemporalSettings,
  options: StartOptions = {},
): Promise<LatchkeyRuntime> {
  const role = options.role ?? 'all';
  const hooks = options.testHooks ?? {};
  const logger = options.logger ?? createLogger(config.logLevel, { service: 'latchkey' });
  const cleanups = new CleanupStack(logger);
  const unregisterSdkLogger = installSdkLogger(logger, config.logLevel);
  cleanups.push('unregister the SDK logger', async () => unregisterSdkLogger());

  try {
    const { db, secrets, stores } = await buildStores(config, cleanups);
    const temporal = await buildTemporal(
      config,
      settings,
      { central: hooks.taskQueue },
      { db, clientKeys: stores.clientKeys },
      cleanups,
    );
    const providers = buildProviders(config, cleanups, hooks.outbox, hooks.pushAgent);
    const render = loadMessageTemplates();

    // The API and the worker in one process: a reset runs where it was started, and its outcome is heard there.
    const eager = role === 'all' ? { outcomes: new ResetOutcomes() } : undefined;
    let worker: Worker | undefined;
    let lockoutReport: LockoutReportActivities | undefined;
    let workerStopped = new Promise<void>(() => undefined);
    if (role !== 'api') {
      const built = await buildWorker(
        {
          config,
          temporal,
          db,
          stores,
          secrets,
          providers,
          render,
          logger,
          workflowBundlePath: options.workflowBundlePath,
          resetOutcomes: eager?.outcomes,
        },
        cleanups,
      );
      worker = built.worker;
      lockoutReport = built.lockoutReport;
      workerStopped = built.stopped;
    }
    const health = healthCheck(db, temporal.connection, worker);

    const http =
      role === 'worker'
        ? undefined
        : await buildHttp(
            {
              config,
              temporal,
              db,
              stores,
              secrets,
              providers,
              render,
              logger,
              health,
              eager,
              directoryTimeouts: hooks.directoryTimeouts,
            },
            cleanups,
          );

    return {
      role,
      url: http?.url,
      config,
      namespace: temporal.namespace,
      outbox: providers.outbox,
      health,
      workerStopped,
      internals: {
        db,
        stores,
        secrets,
        temporal: temporal.client,
        taskQueue: temporal.taskQueues.central,
        lockoutReport,
      },
      stop: () => cleanups.run(),
    };
  } catch (error) {
    await cleanups.run();
    throw error;
  }
}
