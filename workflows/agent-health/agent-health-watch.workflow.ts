import { ActivityFailure, continueAsNew, proxyActivities, sleep, workflowInfo } from '@temporalio/workflow';
import type { AgentHealthActivities } from '../../activities/agent-health.activities';
import { DEFAULT_HEARTBEAT_INTERVAL_MS } from '../../common/domain/agent-health';

export interface AgentHealthWatchInput {
  /** Checks per run before continueAsNew, so that history stays small; tests lower it to see a new run. */
  checksPerRun?: number;
}

const DEFAULT_CHECKS_PER_RUN = 500;

const { checkAgentHealth } = proxyActivities<AgentHealthActivities>({
  startToCloseTimeout: '1m',
  // A check that keeps failing (the mail relay is down) gives way to the next one, which sends what is owed.
  retry: { initialInterval: '2s', maximumInterval: '30s', maximumAttempts: 3 },
});

/**
 * One per central task queue (makeAgentHealthWatchWorkflowId), started by the central worker: checks every
 * agent's health once per heartbeat interval and alerts the MSP when one goes offline or comes back. The
 * interval comes back with each check, from the worker's config, so a changed setting applies without a restart
 * of this workflow. The state it alerts on lives in the database (agent_health), not here.
 */
export async function agentHealthWatchWorkflow(input: AgentHealthWatchInput = {}): Promise<void> {
  const checksPerRun = input.checksPerRun ?? DEFAULT_CHECKS_PER_RUN;
  for (let check = 0; check < checksPerRun && !workflowInfo().continueAsNewSuggested; check++) {
    // A failed check waits one default heartbeat interval before the next.
    let nextCheckInMs = DEFAULT_HEARTBEAT_INTERVAL_MS;
    try {
      nextCheckInMs = (await checkAgentHealth()).nextCheckInMs;
    } catch (error) {
      if (!(error instanceof ActivityFailure)) throw error;
    }
    await sleep(nextCheckInMs);
  }
  await continueAsNew<typeof agentHealthWatchWorkflow>(input);
}
