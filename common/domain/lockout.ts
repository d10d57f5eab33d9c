/**
 * Lockout monitoring, as the agent's watch (detection) and the lockout workflow (notice and unlock) share it.
 * See docs/lockout.md.
 */

/**
 * How often the agent's watch asks the directory, unless LATCHKEY_AGENT_LOCKOUT_POLL_MS says otherwise. 500 ms: an
 * idle watch's CPU is one TLS round trip to the DC per cycle (about 1 ms each) plus each 5 s long poll's Nexus
 * task, so 250 ms put the agent at 0.95–1.2 % of a core; 500 ms measured 0.72 %, for about 0.2 s more on a
 * lockout's push p50 (docs/lockout.md, "The agent's idle CPU").
 */
export const DEFAULT_LOCKOUT_POLL_MS = 500;

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
