import { ScheduleAlreadyRunning, ScheduleOverlapPolicy, type Client, type ScheduleOptions } from '@temporalio/client';
import {
  makeAgentHealthWatchWorkflowId,
  makePurgeConsoleSessionsScheduleId,
  makePurgeRateLimitsScheduleId,
} from '../common/domain/workflow-ids';
import type { Logger } from '../common/logger';
import type { agentHealthWatchWorkflow } from '../workflows/agent-health/agent-health-watch.workflow';
import type { purgeConsoleSessionsWorkflow } from '../workflows/maintenance/purge-console-sessions.workflow';
import type { purgeRateLimitsWorkflow } from '../workflows/maintenance/purge-rate-limits.workflow';
import { RATE_LIMIT_RETENTION_MS } from './db/rate-limit.store';
import { CONSOLE_SESSION_RETENTION_MS } from './db/technician-sessions.store';

type MaintenanceSchedule = Omit<ScheduleOptions, 'scheduleId'>;

/** An hourly purge; one that is late or still running makes the next one pointless, not urgent. */
function hourly(action: MaintenanceSchedule['action']): MaintenanceSchedule {
  return {
    spec: { intervals: [{ every: '1h' }] },
    action,
    policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '10m' },
  };
}

const purgeRateLimitsSchedule = (taskQueue: string) =>
  hourly({
    type: 'startWorkflow',
    workflowType: 'purgeRateLimitsWorkflow',
    workflowId: makePurgeRateLimitsScheduleId(taskQueue),
    taskQueue,
    args: [{ retentionMs: RATE_LIMIT_RETENTION_MS }] satisfies Parameters<typeof purgeRateLimitsWorkflow>,
  });

const purgeConsoleSessionsSchedule = (taskQueue: string) =>
  hourly({
    type: 'startWorkflow',
    workflowType: 'purgeConsoleSessionsWorkflow',
    workflowId: makePurgeConsoleSessionsScheduleId(taskQueue),
    taskQueue,
    args: [{ retentionMs: CONSOLE_SESSION_RETENTION_MS }] satisfies Parameters<typeof purgeConsoleSessionsWorkflow>,
  });

/**
 * Creates the schedule, or, when it already exists (a restart, another replica), rewrites its spec and action to
 * this version's, keeping its state so that a schedule an operator paused stays paused.
 */
async function ensureSchedule(
  temporal: Client,
  scheduleId: string,
  schedule: MaintenanceSchedule,
  what: string,
  logger: Logger,
) {
  try {
    await temporal.schedule.create({ scheduleId, ...schedule });
    logger.info(`Created the ${what} schedule`, { scheduleId });
  } catch (error) {
    if (!(error instanceof ScheduleAlreadyRunning)) throw error;
    await temporal.schedule.getHandle(scheduleId).update((previous) => ({ ...schedule, state: previous.state }));
    logger.debug(`Updated the ${what} schedule`, { scheduleId });
  }
}

/** The hourly rate-limit purge. */
export async function ensurePurgeRateLimitsSchedule(temporal: Client, taskQueue: string, logger: Logger) {
  await ensureSchedule(
    temporal,
    makePurgeRateLimitsScheduleId(taskQueue),
    purgeRateLimitsSchedule(taskQueue),
    'rate-limit purge',
    logger,
  );
}

/** The hourly purge of ended and expired console sessions. */
export async function ensurePurgeConsoleSessionsSchedule(temporal: Client, taskQueue: string, logger: Logger) {
  await ensureSchedule(
    temporal,
    makePurgeConsoleSessionsScheduleId(taskQueue),
    purgeConsoleSessionsSchedule(taskQueue),
    'console-session purge',
    logger,
  );
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
