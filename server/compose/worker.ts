import type { Worker } from '@temporalio/worker';
import { createCentralActivities } from '../../activities';
import type { RenderTemplate } from '../../activities/message-templates';
import type { ResetOutcomesPort } from '../../activities/ports';
import type { LockoutReportActivities } from '../../common/domain/lockout';
import type { Config } from '../config';
import type { Secrets } from '../../common/crypto/secrets';
import type { Logger } from '../../common/logger';
import type { Database } from '../db/connect';
import { createTransact } from '../db/transact';
import { commandSigningKey } from '../../common/crypto/directory-command';
import {
  ensureAgentHealthWatch,
  ensurePurgeConsoleSessionsSchedule,
  ensurePurgeRateLimitsSchedule,
} from '../maintenance-schedule';
import { createCentralWorker } from '../worker';
import { buildMspAlerter } from './alerts';
import type { CleanupStack } from './cleanup-stack';
import { issuePairingLink } from '../../activities/pairing-link';
import type { Providers } from './providers';
import type { Stores } from './stores';
import type { CentralTemporal } from './temporal';
import { lockoutWorkflowsOver } from './lockout-workflows';

export interface WorkerDeps {
  config: Config;
  temporal: CentralTemporal;
  db: Database;
  stores: Stores;
  secrets: Secrets;
  providers: Providers;
  render: RenderTemplate;
  logger: Logger;
  /** Where reset steps tell a request in this process how its reset ended (role `all` only). */
  resetOutcomes?: ResetOutcomesPort;
  /** A prebuilt workflow bundle (scripts/build-workflow-bundle.ts); without it the worker bundles at start-up. */
  workflowBundlePath?: string;
}

/** Builds the central worker and starts it polling; `stopped` settles when it stops and rejects if it crashed. */
export async function buildWorker(
  deps: WorkerDeps,
  cleanups: CleanupStack,
): Promise<{ worker: Worker; stopped: Promise<void>; lockoutReport: LockoutReportActivities }> {
  const { config, temporal } = deps;
  let lockoutReport: LockoutReportActivities | undefined;
  const worker = await createCentralWorker({
    connection: temporal.connection,
    namespace: temporal.namespace,
    taskQueue: temporal.taskQueues.central,
    dataConverter: temporal.dataConverter,
    workflowBundlePath: deps.workflowBundlePath,
    activities: (lockoutReport = createCentralActivities({
      stores: deps.stores,
      transact: createTransact(deps.db),
      secrets: deps.secrets,
      email: deps.providers.email,
      sms: deps.providers.sms,
      push: deps.providers.push,
      render: deps.render,
      pairingLink: async (request) =>
        (
          await issuePairingLink(
            { pairingTokens: deps.stores.pairingTokens, secrets: deps.secrets, appUrl: config.appUrl },
            request,
          )
        ).url,
      urls: { publicUrl: config.publicUrl, appUrl: config.appUrl },
      limits: {
        smsPerDay: config.limits.smsPerUserPerDay,
        smsPerClientPerDay: config.limits.smsPerClientPerDay,
        smsCountries: config.smsAllowedCountries,
      },
      notices: { disownLinkTtlMs: config.disownLinkTtlMs },
      commands: {
        signingKey: commandSigningKey(config.masterKey),
        clientKeys: deps.stores.clientKeys,
        agentTarget: temporal.taskQueues.agentTargetOf,
        provisionAgentTarget: temporal.provisionAgentTarget,
      },
      resetOutcomes: deps.resetOutcomes,
      lockoutWorkflows: lockoutWorkflowsOver(temporal.client, temporal.taskQueues.central, config.lockout),
      alerts: buildMspAlerter(config, deps.stores, deps.providers, deps.render),
      agentHeartbeatIntervalMs: config.agents.heartbeatIntervalMs,
    })),
  });
  const stopped = worker.run();
  cleanups.push('stop the central worker', async () => {
    if (worker.getState() === 'RUNNING') worker.shutdown();
    await stopped.catch(() => undefined);
  });
  // The central worker owns the maintenance schedules; it is what runs their workflows. After the cleanup is
  // registered, so that a failure here still shuts the worker down.
  await ensurePurgeRateLimitsSchedule(temporal.client, temporal.taskQueues.central, deps.logger);
  await ensurePurgeConsoleSessionsSchedule(temporal.client, temporal.taskQueues.central, deps.logger);
  await ensureAgentHealthWatch(temporal.client, temporal.taskQueues.central, deps.logger);
  return { worker, stopped, lockoutReport: lockoutReport! };
}
