import type { RateLimitPort } from './ports';

/** The one thing this activity needs of the rate-limit store. */
export type RateLimitBuckets = Pick<RateLimitPort, 'purgeBefore'>;

export interface PurgeRateLimitsInput {
  /** Buckets whose window started longer ago than this are deleted. */
  retentionMs: number;
}

/** Housekeeping the central worker runs on a schedule. */
export function createMaintenanceActivities(deps: { rateLimits: RateLimitBuckets }) {
  return {
    /** The cutoff is taken from this clock, not the workflow's, so a retried attempt deletes what is old now. */
    async purgeRateLimitBuckets(input: PurgeRateLimitsInput): Promise<{ deleted: number }> {
      return { deleted: await deps.rateLimits.purgeBefore(new Date(Date.now() - input.retentionMs)) };
    },
  };
}

export type MaintenanceActivities = ReturnType<typeof createMaintenanceActivities>;
