import { proxyActivities } from '@temporalio/workflow';

export interface RogueCall {
  taskQueue: string;
  activity: string;
  args: unknown[];
}

/**
 * An attacker's workflow: it schedules one activity, by name, with arguments of its choosing, on any task queue
 * it names. The trust tests run it on a queue of their own to play someone who can reach Temporal.
 */
export async function rogueActivityWorkflow(call: RogueCall): Promise<unknown> {
  const activities = proxyActivities<Record<string, (...args: unknown[]) => Promise<unknown>>>({
    taskQueue: call.taskQueue,
    startToCloseTimeout: '15s',
    retry: { maximumAttempts: 1 },
  });
  return activities[call.activity]!(...call.args);
}
