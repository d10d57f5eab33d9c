import { proxyActivities } from '@temporalio/workflow';
import type { MaintenanceActivities, PurgeRateLimitsInput } from '../../activities/maintenance.activities';

export type { PurgeRateLimitsInput } from '../../activities/maintenance.activities';

const { purgeRateLimitBuckets } = proxyActivities<MaintenanceActivities>({
  // One DELETE; the next hourly run picks up whatever a run that gave up left behind.
  startToCloseTimeout: '2m',
  retry: { initialInterval: '5s', maximumInterval: '1m', maximumAttempts: 5 },
});

/**
 * Deletes rate-limit buckets too old to count in any verdict, so rate_limit_buckets stays as small as the
 * traffic of the last couple of hours. Started by a schedule the central worker creates (server/maintenance-schedule.ts).
 */
export async function purgeRateLimitsWorkflow(input: PurgeRateLimitsInput): Promise<{ deleted: number }> {
  return purgeRateLimitBuckets(input);
}
