import type { Client } from '@temporalio/client';
import { makeLockoutWatchWorkflowId } from '../../common/domain/workflow-ids';
import type { LockoutWatchInput } from '../../workflows/lockout-watch/lockout-watch.workflow';

/**
 * Starts a client's lockout watch unless it runs already. Called whenever one of its agents fetches its
 * configuration, that is at every agent start: the first agent starts the watch, and a watch that was ended
 * (terminated by an operator, say) comes back with the next agent start. An existing run is left alone.
 */
export function lockoutWatchStarter(temporal: Client, taskQueue: string) {
  return async (clientId: string): Promise<void> => {
    const input: LockoutWatchInput = { clientId };
    await temporal.workflow.start('lockoutWatchWorkflow', {
      workflowId: makeLockoutWatchWorkflowId(clientId),
      taskQueue,
      args: [input],
      workflowIdConflictPolicy: 'USE_EXISTING',
    });
  };
}
