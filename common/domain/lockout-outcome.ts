/**
 * How one lockout ends, as the lockout workflow records it (docs/lockout.md, "Notice and unlock"). The contract
 * the watch shares is common/domain/lockout.ts; this is the notice-and-unlock half's own.
 */
export const LOCKOUT_ENDINGS = ['unlocked', 'reset', 'expired', 'cleared', 'timed_out'] as const;
export type LockoutEnding = (typeof LOCKOUT_ENDINGS)[number];
export type LockoutStatus = 'open' | LockoutEnding;

/** How the user was told: the app, a text, the app and then a text when the push was not picked up, or nobody. */
export type LockoutNotice = 'push' | 'sms' | 'push_then_sms' | 'none';

/** Lockouts of one user within this window, this many or more, make Latchkey recommend a reset instead. */
export const REPEATED_LOCKOUTS = { count: 3, windowMs: 15 * 60_000 } as const;

/** The lockout workflow's signals and updates, by name, as the server sends them. */
export const LOCKOUT_SIGNALS = {
  cleared: 'lockoutCleared',
  acknowledged: 'lockoutAcknowledged',
  resetChosen: 'lockoutResetChosen',
} as const;
export const LOCKOUT_UNLOCK_UPDATE = 'lockoutUnlock';

/** Who asked for an unlock, or chose a reset, as the audit log names them. */
export interface LockoutActor {
  /** "device:<id>", "sms", "api-key:<id>", "technician:<id>". */
  actor: string;
  channel: 'app' | 'sms' | 'api' | 'console';
}

export interface LockoutUnlockResult {
  status: 'unlocked' | 'failed';
  /** For a failure: a stable code and a message for a person. */
  code?: string;
  message?: string;
}

/** The workflow's own ending, as its result. */
export interface AccountLockoutResult {
  lockoutId: string | null;
  ending: LockoutEnding | 'not_found';
  by?: string;
}
