import { proxyActivities } from '@temporalio/workflow';
import type { MaintenanceActivities, PurgeConsoleSessionsInput } from '../../activities/maintenance.activities';

export type { PurgeConsoleSessionsInput } from '../../activities/maintenance.activities';

const { purgeConsoleSessions } = proxyActivities<MaintenanceActivities>({
  // One DELETE; the next hourly run picks up whatever a run that gave up left behind.
  startToCloseTimeout: '2m',
  retry: { initialInterval: '5s', maximumInterval: '1m', maximumAttempts: 5 },
});

/**
 * Deletes console sessions that ended (sign-out, a disabled technician, expiry seen on a request) or went idle
 * long ago, so technician_sessions holds only sessions that may still be in use. Started by a schedule the
 * central worker creates (server/maintenance-schedule.ts).
 */
export async function purgeConsoleSessionsWorkflow(input: PurgeConsoleSessionsInput): Promise<{ deleted: number }> {
  return purgeConsoleSessions(input);
}
