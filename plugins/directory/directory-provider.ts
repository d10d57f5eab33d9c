import type { LockoutChange } from '../../common/domain/lockout';

/**
 * What activities need from a user directory. Every method is idempotent, so an activity may retry any of
 * them; failures are thrown as the classes in ./errors, never as a vendor library's errors.
 */
export interface DirectoryProvider {
  readonly kind: 'directory';
  readonly id: string;

  /** Matches sAMAccountName or userPrincipalName exactly; `null` when nothing (or nothing unambiguous) matches. */
  findUser(username: string): Promise<DirectoryUser | null>;

  /**
   * Refuses, before writing anything: another object than `expectedObjectGuid` (AccountChangedError), protected
   * accounts (ProtectedAccountError: adminCount=1, a privileged or deny group, or what cannot be checked) and
   * disabled ones.
   */
  setPassword(request: SetPasswordRequest): Promise<SetPasswordResult>;

  /**
   * Clears a lockout; succeeds (with `wasLocked: false`) when the account was not locked. Refuses what
   * setPassword refuses.
   */
  unlock(username: string, options?: UnlockOptions): Promise<UnlockResult>;

  getLockoutState(username: string): Promise<LockoutState>;

  /** Accounts locked right now; a lockout that has already expired on its own is not listed. */
  listLockedAccounts(): Promise<LockedAccount[]>;

  /**
   * Waits up to `waitMs` for lock states to change after `cursor` (null: none yet), and returns what changed
   * with the cursor to pass next time. Cheap when nothing changes; its cost follows the changes, not the users.
   * An unusable cursor is not an error: the watch reconciles and starts a new one.
   */
  watchLockouts(request: WatchLockoutsRequest): Promise<WatchLockoutsResult>;

  /** Resolves when the directory answers with the configured credentials; throws a DirectoryError otherwise. */
  healthCheck(): Promise<void>;

  close(): Promise<void>;
}

export interface DirectoryUser {
  dn: string;
  /**
   * The object's objectGUID, lower-case 8-4-4-4-12 as Windows prints it. Unlike the DN or the names it survives
   * renames and moves, and a recreated account gets a new one: it is what says "the same account".
   */
  objectGuid: string;
  sAMAccountName: string;
  userPrincipalName: string | null;
  displayName: string | null;
  mail: string | null;
  enabled: boolean;
  /** Locked now, as the directory computes it; unlike lockoutTime this honours the lockout duration. */
  locked: boolean;
  /**
   * adminCount=1: a member (past or present) of a privileged group. Only the cheap signal; setPassword and
   * unlock also check group membership through tokenGroups, and refuse when they cannot.
   */
  protected: boolean;
  /** `null` when the password has never been set or must be changed at next logon. */
  pwdLastSet: Date | null;
  /** The password has passed the domain's maximum age. */
  passwordExpired: boolean;
}

export interface SetPasswordRequest {
  username: string;
  password: string;
  /** Make the user choose their own password at next logon (pwdLastSet=0). */
  mustChangeAtNextLogon: boolean;
  /** Clear a lockout in the same write. */
  unlock: boolean;
  /**
   * The objectGUID recorded at the first touch. When given, an account with another GUID is refused with
   * AccountChangedError; `null` or absent (the first touch) checks nothing, and the result says what was found.
   */
  expectedObjectGuid?: string | null;
}

export interface UnlockOptions {
  /** As in SetPasswordRequest. */
  expectedObjectGuid?: string | null;
}

export interface SetPasswordResult {
  dn: string;
  /** The object that was changed; record it at the first touch and pass it back as `expectedObjectGuid`. */
  objectGuid: string;
  /** The account was locked when the password was set (and is no longer, if `unlock` was asked for). */
  wasLocked: boolean;
}

export interface UnlockResult {
  dn: string;
  objectGuid: string;
  wasLocked: boolean;
}

export interface LockoutState {
  locked: boolean;
  /** When the lockout started; can still be set after the lockout has expired, until the next logon. */
  lockoutTime: Date | null;
  badPwdCount: number;
}

export interface LockedAccount extends DirectoryUser {
  lockoutTime: Date;
  badPwdCount: number;
}

export interface WatchLockoutsRequest {
  /** Opaque to everyone but the provider that wrote it; null for a watch that has none yet. */
  cursor: string | null;
  /** How long to wait for a change before returning with none; 0 looks once. */
  waitMs: number;
  /** How often the directory is asked while waiting. */
  pollIntervalMs?: number;
  /** How old the last full reconcile may get before the next call reconciles again. */
  reconcileIntervalMs?: number;
}

export interface WatchLockoutsResult {
  cursor: string;
  changes: LockoutChange[];
  /** What the watch cost the directory, for the figures in docs/lockout.md. */
  stats: { cycles: number; searches: number; entries: number; reconciled: boolean };
}
