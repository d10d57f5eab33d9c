import type { LockoutChange } from '../../../common/domain/lockout';

/**
 * Where a lockout watch stands, as the central side keeps it (an opaque JSON string in the watch workflow's
 * state). It must stay small: it travels with every watch command and is sealed into history each time.
 */
export interface LockoutCursor {
  v: 1;
  /**
   * uSNChanged is local to one DC, so the position is kept per DC (by dnsHostName), each with the invocationId
   * it was read under: agents of one client that talk to different DCs do not reset each other's position.
   */
  dcs: Record<string, { invocationId: string; usn: number }>;
  /** Accounts reported locked and not yet reported unlocked, by objectGUID. */
  locked: Record<string, KnownLock>;
  /** The domain's lockoutDuration in ms (0: until an admin unlocks), as read at the last reconcile. */
  durationMs: number;
  /** When the last full reconcile ran (agent clock). */
  reconciledAtMs: number;
}

export interface KnownLock {
  account: string;
  lockedAtMs: number;
}

/** More DCs than this in one cursor means agents wander between DCs; the oldest positions are dropped. */
const MAX_DCS = 4;
/** A cursor larger than this is treated as unusable and rebuilt by a reconcile. */
const MAX_CURSOR_CHARS = 64_000;

/** What the watch read about one account: ids, times and the computed flag only. */
export interface ObservedAccount {
  objectGuid: string;
  account: string;
  /** lockoutTime as epoch ms; 0 when unset. */
  lockedAtMs: number;
  /** msDS-User-Account-Control-Computed has UF_LOCKOUT: locked now, the duration (and any PSO) applied. */
  lockedNow: boolean;
}

/** An unreadable, foreign or oversized cursor is no cursor: the watch then reconciles from scratch. */
export function parseLockoutCursor(text: string | null | undefined): LockoutCursor | undefined {
  if (typeof text !== 'string' || text.length === 0 || text.length > MAX_CURSOR_CHARS) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  const candidate = value as Partial<LockoutCursor> | null;
  if (
    !candidate ||
    candidate.v !== 1 ||
    !isRecord(candidate.dcs) ||
    !isRecord(candidate.locked) ||
    !isCount(candidate.durationMs) ||
    !isCount(candidate.reconciledAtMs)
  ) {
    return undefined;
  }
  for (const position of Object.values(candidate.dcs)) {
    const p = position as { invocationId?: unknown; usn?: unknown };
    if (!isRecord(p) || typeof p.invocationId !== 'string' || !isCount(p.usn)) return undefined;
  }
  for (const lock of Object.values(candidate.locked)) {
    const l = lock as { account?: unknown; lockedAtMs?: unknown };
    if (!isRecord(l) || typeof l.account !== 'string' || !isCount(l.lockedAtMs)) return undefined;
  }
  return candidate as LockoutCursor;
}

export function serializeLockoutCursor(cursor: LockoutCursor): string {
  return JSON.stringify(cursor);
}

/** The USN to search from on this DC, or undefined when this DC's position is unknown or was reset. */
export function positionOn(cursor: LockoutCursor, dc: string, invocationId: string): number | undefined {
  const position = cursor.dcs[dc];
  return position && position.invocationId === invocationId ? position.usn : undefined;
}

export function withPosition(cursor: LockoutCursor, dc: string, invocationId: string, usn: number): LockoutCursor {
  const others = Object.entries(cursor.dcs).filter(([name]) => name !== dc);
  // Object key order is insertion order: the DC just used goes last, the least recently used first.
  const kept = others.slice(Math.max(0, others.length - (MAX_DCS - 1)));
  return { ...cursor, dcs: Object.fromEntries([...kept, [dc, { invocationId, usn }]]) };
}

export function unlocksAt(lockedAtMs: number, durationMs: number): number | null {
  return durationMs > 0 ? lockedAtMs + durationMs : null;
}

/**
 * Compares what the directory says about some accounts with what the cursor knew, and returns the changes and
 * the new set of known locks. Only the computed flag says "locked": an expired lockout still has lockoutTime.
 *
 * `complete`: the accounts are every one with lockoutTime set (a reconcile), so a known lock missing from them
 * has ended too. Otherwise only the accounts given are judged.
 */
export function compareLocks(
  known: Record<string, KnownLock>,
  observed: readonly ObservedAccount[],
  durationMs: number,
  complete: boolean,
): { changes: LockoutChange[]; locked: Record<string, KnownLock> } {
  const locked = { ...known };
  const changes: LockoutChange[] = [];
  const cleared = (objectGuid: string, lock: KnownLock) => {
    changes.push({
      account: lock.account,
      objectGuid,
      locked: false,
      lockedAtMs: lock.lockedAtMs,
      unlocksAtMs: unlocksAt(lock.lockedAtMs, durationMs),
    });
    delete locked[objectGuid];
  };
  const seen = new Set<string>();
  for (const account of observed) {
    seen.add(account.objectGuid);
    const previous = locked[account.objectGuid];
    const lockedNow = account.lockedNow && account.lockedAtMs > 0;
    if (lockedNow) {
      if (previous && previous.lockedAtMs === account.lockedAtMs) continue;
      // A new lockout of an account whose earlier one was never seen to end: that one ended first.
      if (previous) cleared(account.objectGuid, previous);
      locked[account.objectGuid] = { account: account.account, lockedAtMs: account.lockedAtMs };
      changes.push({
        account: account.account,
        objectGuid: account.objectGuid,
        locked: true,
        lockedAtMs: account.lockedAtMs,
        unlocksAtMs: unlocksAt(account.lockedAtMs, durationMs),
      });
    } else if (previous) {
      cleared(account.objectGuid, previous);
    }
  }
  if (complete) {
    for (const [objectGuid, lock] of Object.entries(known)) {
      if (!seen.has(objectGuid) && locked[objectGuid]) cleared(objectGuid, lock);
    }
  }
  return { changes, locked };
}

/** Known locks whose own duration has passed: nothing is written when a lockout expires, so no USN moves. */
export function dueToExpire(cursor: LockoutCursor, now: number): string[] {
  if (cursor.durationMs <= 0) return [];
  return Object.entries(cursor.locked)
    .filter(([, lock]) => lock.lockedAtMs + cursor.durationMs <= now)
    .map(([objectGuid]) => objectGuid);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}
