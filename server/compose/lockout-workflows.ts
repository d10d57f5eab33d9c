import { WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { LockoutWorkflowsPort } from '../../activities/deps';
import { LOCKOUT_SIGNALS } from '../../common/domain/lockout-outcome';
import { accountLockoutWorkflow, type LockoutTiming } from '../../workflows/lockout/account-lockout.workflow';

/**
 * The lockout report's Temporal calls. USE_EXISTING makes a repeated report (a retried watch, a second agent)
 * join the running workflow; REJECT_DUPLICATE keeps a lockout that has ended from starting again when a late
 * report of it arrives.
 */
export function lockoutWorkflowsOver(client: Client, taskQueue: string, timing: LockoutTiming): LockoutWorkflowsPort {
  return {
    async start(workflowId, input) {
      try {
        await client.workflow.start(accountLockoutWorkflow, {
          taskQueue,
          workflowId,
          workflowIdConflictPolicy: 'USE_EXISTING',
          workflowIdReusePolicy: 'REJECT_DUPLICATE',
          args: [input, timing],
        });
      } catch (error) {
        if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
      }
    },
    async signalCleared(workflowId) {
      try {
        await client.workflow.getHandle(workflowId).signal(LOCKOUT_SIGNALS.cleared);
      } catch (error) {
        if (!(error instanceof WorkflowNotFoundError)) throw error;
      }
    },
  };
}
