import { NexusOperationFailure } from '@temporalio/common';
import {
  continueAsNew,
  createNexusServiceClient,
  isCancellation,
  proxyLocalActivities,
  sleep,
  workflowInfo,
} from '@temporalio/workflow';
import type { CentralActivities } from '../../activities';
import type { LockoutWatchStep } from '../../activities/lockout-watch.activities';
import { directoryService } from '../../common/domain/directory-service';
import { FailureType } from '../../common/domain/failure-types';

export interface LockoutWatchInput {
  clientId: string;
  /** Carried over continueAsNew: the last answer, whose cursor the next command starts from. */
  previous?: LockoutWatchStep | null;
  reported?: boolean;
  /** Tests and the bench shorten these. */
  timing?: Partial<LockoutWatchTiming>;
}

export interface LockoutWatchTiming {
  /** How long the agent waits for a change before answering with none. */
  waitMs: number;
  /** How long one call may take, a failover to the other agent included, before it counts as failed. */
  callTimeoutMs: number;
  /** Backoff after a failed call, doubling up to the maximum: no agent at all must not make the watch spin. */
  firstBackoffMs: number;
  maxBackoffMs: number;
  /** Calls per run before continueAsNew, so that history stays small. */
  callsPerRun: number;
}

const DEFAULT_TIMING: LockoutWatchTiming = {
  waitMs: 5_000,
  callTimeoutMs: 20_000,
  firstBackoffMs: 1_000,
  maxBackoffMs: 60_000,
  callsPerRun: 500,
};

/**
 * Signing, checking and reporting are short and run in this worker as local activities: a lockout's latency is
 * mostly these round trips and the agent's poll. The report may run twice if the worker dies between the report
 * and its record; the lockout workflow's id (the user and the lockout's time) makes that repeat harmless.
 */
const central = proxyLocalActivities<CentralActivities>({
  startToCloseTimeout: '10s',
  retry: {
    initialInterval: '200ms',
    maximumInterval: '10s',
    nonRetryableErrorTypes: [FailureType.LockoutWatchNotAuthorized],
  },
});

/**
 * One per client (id makeLockoutWatchWorkflowId): it asks the client's agents, through its Nexus endpoint, for
 * lock changes since its cursor, and reports them. The cursor lives here, not on an agent: a call to an agent
 * that dies times out and is asked again with the same cursor, which the other agent answers. Nothing is missed,
 * and nothing is reported twice, since a cursor moves only with an answer that was recorded. See docs/lockout.md.
 */
export async function lockoutWatchWorkflow(input: LockoutWatchInput): Promise<void> {
  const timing: LockoutWatchTiming = { ...DEFAULT_TIMING, ...input.timing };
  let previous = input.previous ?? null;
  let reported = input.reported ?? false;
  let backoffMs = 0;
  for (let call = 0; call < timing.callsPerRun && !workflowInfo().continueAsNewSuggested; call++) {
    const issued = await central.issueLockoutWatchCommand({ previous, reported, waitMs: timing.waitMs });
    if (issued.changes.length > 0) {
      await central.reportLockoutChanges({ clientId: input.clientId, changes: issued.changes });
    }
    reported = true;
    if (issued.rejected) {
      // Whoever answered holds no agent key (a stolen task): its quick answers must not make the watch spin.
      backoffMs = nextBackoff(backoffMs, timing);
      await sleep(backoffMs);
    }
    const agent = createNexusServiceClient({ endpoint: issued.agentEndpoint, service: directoryService });
    try {
      const result = await agent.executeOperation('watchLockouts', issued.signed, {
        scheduleToCloseTimeout: timing.callTimeoutMs,
      });
      previous = { signed: issued.signed, result };
      reported = false;
      if (!issued.rejected) backoffMs = 0;
    } catch (error) {
      if (isCancellation(error) || !(error instanceof NexusOperationFailure)) throw error;
      // The same cursor goes out again after the pause; a refused command is refused by every agent alike, so
      // it backs off just the same rather than spinning.
      backoffMs = nextBackoff(backoffMs, timing);
      await sleep(backoffMs);
    }
  }
  // The last answer's changes are reported by the next run's first step (reported stays false).
  await continueAsNew<typeof lockoutWatchWorkflow>({ ...input, previous, reported });
}

function nextBackoff(backoffMs: number, timing: LockoutWatchTiming): number {
  return Math.min(timing.maxBackoffMs, Math.max(timing.firstBackoffMs, backoffMs * 2));
}
