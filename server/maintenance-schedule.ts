import { ScheduleAlreadyRunning, ScheduleOverlapPolicy, type Client, type ScheduleOptions } from '@temporalio/client';
import type { Logger } from '../common/logger';
import type { purgeRateLimitsWorkflow } from '../workflows/maintenance/purge-rate-limits.workflow';
import { RATE_LIMIT_RETENTION_MS } from './db/rate-limit.store';

/**
 * One schedule per central task queue: production has one queue and so one schedule, while each test runtime,
 * which polls a queue of its own, gets a schedule of its own and never rewrites another's.
 */
export const purgeRateLimitsScheduleId = (taskQueue: string) => `${taskQueue}:purge-rate-limits`;

function purgeRateLimitsSchedule(taskQueue: string) {
  return {
    spec: { intervals: [{ every: '1h' }] },
    action: {
      type: 'startWorkflow' as const,
      workflowType: 'purgeRateLimitsWorkflow',
      workflowId: purgeRateLimitsScheduleId(taskQueue),
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
  const scheduleId = purgeRateLimitsScheduleId(taskQueue);
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
