import type { RateLimitPort, TechnicianSessionsPort } from './ports';

/** The one thing this activity needs of the rate-limit store. */
export type RateLimitBuckets = Pick<RateLimitPort, 'purgeBefore'>;

export interface PurgeRateLimitsInput {
  /** Buckets whose window started longer ago than this are deleted. */
  retentionMs: number;
}

export interface PurgeConsoleSessionsInput {
  /** Sessions ended, or last seen, longer ago than this are deleted; it must outlast the idle timeout. */
  retentionMs: number;
}

/** Housekeeping the central worker runs on a schedule. */
export function createMaintenanceActivities(deps: {
  rateLimits: RateLimitBuckets;
  technicianSessions: TechnicianSessionsPort;
}) {
  return {
    /** The cutoff is taken from this clock, not the workflow's, so a retried attempt deletes what is old now. */
    async purgeRateLimitBuckets(input: PurgeRateLimitsInput): Promise<{ deleted: number }> {
      return { deleted: await deps.rateLimits.purgeBefore(new Date(Date.now() - input.retentionMs)) };
    },
    /** The same, for console sessions: an ended or idle-expired row can never sign anyone in again. */
    async purgeConsoleSessions(input: PurgeConsoleSessionsInput): Promise<{ deleted: number }> {
      return { deleted: await deps.technicianSessions.purgeBefore(new Date(Date.now() - input.retentionMs)) };
    },
  };
}

export type MaintenanceActivities = ReturnType<typeof createMaintenanceActivities>;
