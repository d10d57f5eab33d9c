/**
 * Lockout monitoring, as the agent's watch (detection) and the lockout workflow (notice and unlock) share it.
 * See docs/lockout.md.
 */

/** One account whose lock state the watch saw change; it carries ids and times only, never a name of a person. */
export interface LockoutChange {
  /** sAMAccountName, as users.username holds it; Latchkey maps it to a user of the watched client. */
  account: string;
  objectGuid: string;
  /**
   * true: locked now, as the directory computes it (msDS-User-Account-Control-Computed bit 0x10), not merely
   * lockoutTime set. false: a lock the watch reported before has ended (unlocked elsewhere, or expired).
   */
  locked: boolean;
  /** lockoutTime as epoch ms; with the account it names one lockout (a second lockout has a later time). 0 if none. */
  lockedAtMs: number;
  /** When the directory ends this lock by itself (lockoutTime + the domain's lockoutDuration); null if never. */
  unlocksAtMs: number | null;
}

/** What the central worker does with a watch's findings (activities/lockout.activities.ts). */
export interface LockoutReportActivities {
  /**
   * Starts one lockout workflow per new lockout of an enrolled user (id lockoutWorkflowId: repeats and a second
   * agent collapse into it), signals `lockoutCleared` to one that ended, and ignores everyone else.
   */
  reportLockoutChanges(input: {
    clientId: string;
    changes: LockoutChange[];
  }): Promise<{ started: number; cleared: number }>;
}

/** Input of the per-lockout workflow (workflows/lockout). */
export interface AccountLockoutInput {
  clientId: string;
  userId: string;
  lockedAtMs: number;
  unlocksAtMs: number | null;
  /** When the watch saw it; the latency figures start from the bind that locked the account, not from here. */
  detectedAtMs: number;
}

/** Unlocks one user may ask for in an hour, by default (the client's policy may change it). */
export const DEFAULT_UNLOCKS_PER_HOUR = 3;
