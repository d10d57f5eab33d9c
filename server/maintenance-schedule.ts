import { ScheduleAlreadyRunning, ScheduleOverlapPolicy, type Client, type ScheduleOptions } from '@temporalio/client';
import { makeAgentHealthWatchWorkflowId, makePurgeRateLimitsScheduleId } from '../common/domain/workflow-ids';
import type { Logger } from '../common/logger';
import type { agentHealthWatchWorkflow } from '../workflows/agent-health/agent-health-watch.workflow';
import type { purgeRateLimitsWorkflow } from '../workflows/maintenance/purge-rate-limits.workflow';
import { RATE_LIMIT_RETENTION_MS } from './db/rate-limit.store';

function purgeRateLimitsSchedule(taskQueue: string) {
  return {
    spec: { intervals: [{ every: '1h' }] },
    action: {
      type: 'startWorkflow' as const,
      workflowType: 'purgeRateLimitsWorkflow',
      workflowId: makePurgeRateLimitsScheduleId(taskQueue),
      taskQueue,
      args: [{ retentionMs: RATE_LIMIT_RETENTION_MS }] satisfies Parameters<typeof purgeRateLimitsWorkflow>,
    },
    policies: {
      // A purge that is late or still running makes the next one pointless, not urgent.
      overlap: ScheduleOverlapPolicy.SKIP,
      catchupWindow: '10m',
    },
  } satisfies Omit<ScheduleOptions, 'scheduleId'>;
}

/**
 * Creates the hourly rate-limit purge, or, when it already exists (a restart, another replica), rewrites its
 * spec and action to this version's, keeping its state so that a schedule an operator paused stays paused.
 */
export async function ensurePurgeRateLimitsSchedule(temporal: Client, taskQueue: string, logger: Logger) {
  const scheduleId = makePurgeRateLimitsScheduleId(taskQueue);
  const schedule = purgeRateLimitsSchedule(taskQueue);
  try {
    await temporal.schedule.create({ scheduleId, ...schedule });
    logger.info('Created the rate-limit purge schedule', { scheduleId });
  } catch (error) {
    if (!(error instanceof ScheduleAlreadyRunning)) throw error;
    await temporal.schedule.getHandle(scheduleId).update((previous) => ({ ...schedule, state: previous.state }));
    logger.debug('Updated the rate-limit purge schedule', { scheduleId });
  }
}

/**
 * Starts the agent health watch unless it runs already (a restart, another replica): a long-running workflow
 * rather than a schedule, because what it compares against lives in the database and it sleeps one heartbeat
 * interval between checks, which a schedule's fixed spec could not follow when the interval is changed.
 */
export async function ensureAgentHealthWatch(temporal: Client, taskQueue: string, logger: Logger) {
  const workflowId = makeAgentHealthWatchWorkflowId(taskQueue);
  const args: Parameters<typeof agentHealthWatchWorkflow> = [{}];
  const handle = await temporal.workflow.start('agentHealthWatchWorkflow', {
    workflowId,
    taskQueue,
    args,
    workflowIdConflictPolicy: 'USE_EXISTING',
  });
  logger.debug('The agent health watch is running', { workflowId, runId: handle.firstExecutionRunId });
}
