import { NoSuchObjectError, type Client, type Entry } from 'ldapts';
import { DEFAULT_LOCKOUT_POLL_MS, type LockoutChange } from '../../../common/domain/lockout';
import type { WatchLockoutsRequest, WatchLockoutsResult } from '../directory-provider';
import type { LdapConnection } from './ldap-connection';
import {
  compareLocks,
  dueToExpire,
  parseLockoutCursor,
  positionOn,
  serializeLockoutCursor,
  withPosition,
  type LockoutCursor,
  type ObservedAccount,
} from './lockout-cursor';
import { guidToString } from './object-ids';
import { readObjectGuid, toLockoutState, USER_FILTER } from './user-entry';

/** Only what deciding "locked now" takes; the computed flag is constructed, so AD works it out per entry. */
const WATCH_ATTRIBUTES = ['objectGUID', 'sAMAccountName', 'lockoutTime', 'msDS-User-Account-Control-Computed'];
const PAGE_SIZE = 500;
export const DEFAULT_RECONCILE_INTERVAL_MS = 5 * 60_000;
/** A long poll longer than this would outlive the Nexus operation that asked for it. */
export const MAX_WAIT_MS = 20_000;
const MIN_POLL_INTERVAL_MS = 50;
/** Up to this many USNs since the cursor are asked for one by one (in searches of the next size), not as a range. */
const MAX_USN_EQUALITIES = 256;
const USN_EQUALITIES_PER_SEARCH = 64;
/**
 * After a delta search the watch rests this many times as long as the search took before the next one: at most
 * a tenth of the DC's time goes to the watch however busy the domain. A delta of a few USNs takes a millisecond
 * or two and the rest is shorter than the poll interval; it matters for the range that a burst falls back to,
 * which on Samba reads every object (docs/lockout.md), and for a DC that is slow for any other reason.
 */
const SEARCH_REST_FACTOR = 9;
/** lockoutDuration is stored as a negative count of 100 ns; this value (and 0) means "until an admin unlocks". */
const DURATION_FOREVER = -0x8000000000000000n;

interface DcIdentity {
  /** LdapConnection.connections when it was read: a new connection may be to another DC, or a restored one. */
  connection: number;
  dsServiceName: string;
  invocationId: string;
}

/**
 * The incremental lockout watch over one bound connection (docs/lockout.md). Idle, a cycle is one base read of
 * the rootDSE; only when highestCommittedUSN moved does it search, and then for the accounts changed since.
 * A cursor it cannot use, another DC, a restored DC (new invocationId), a reconnect, or the reconcile interval
 * passing makes it reconcile instead: every account with lockoutTime set, judged by the computed flag.
 */
export class LockoutWatch {
  private identity: DcIdentity | undefined;
  /** The connection the last cycle ran on; -1 before the first, which therefore reconciles. */
  private lastConnection = -1;
  /** No delta search before this (agent clock): see SEARCH_REST_FACTOR. */
  private searchNotBefore = 0;

  constructor(
    private readonly connection: LdapConnection,
    private readonly baseDn: string,
    private readonly now: () => number = Date.now,
  ) {}

  async watch(request: WatchLockoutsRequest): Promise<WatchLockoutsResult> {
    const started = this.now();
    const waitMs = clamp(request.waitMs, 0, MAX_WAIT_MS);
    const pollIntervalMs = Math.max(MIN_POLL_INTERVAL_MS, request.pollIntervalMs ?? DEFAULT_LOCKOUT_POLL_MS);
    const reconcileIntervalMs = request.reconcileIntervalMs ?? DEFAULT_RECONCILE_INTERVAL_MS;
    let cursor = parseLockoutCursor(request.cursor);
    const changes: LockoutChange[] = [];
    const stats = { cycles: 0, searches: 0, entries: 0, reconciled: false };
    for (;;) {
      const step = await this.connection.run({ operation: 'watch-lockouts' }, (client) =>
        this.cycle(client, cursor, reconcileIntervalMs),
      );
      cursor = step.cursor;
      changes.push(...step.changes);
      stats.cycles += 1;
      stats.searches += step.searches;
      stats.entries += step.entries;
      stats.reconciled ||= step.reconciled;
      if (changes.length > 0 || this.now() + pollIntervalMs >= started + waitMs) break;
      await sleep(pollIntervalMs);
    }
    return { cursor: serializeLockoutCursor(cursor), changes, stats };
  }

  private async cycle(
    client: Client,
    cursor: LockoutCursor | undefined,
    reconcileIntervalMs: number,
  ): Promise<{
    cursor: LockoutCursor;
    changes: LockoutChange[];
    searches: number;
    entries: number;
    reconciled: boolean;
  }> {
    const root = await readRootDse(client);
    const connection = this.connection.connections;
    const identity = await this.identityOf(client, root.dsServiceName, connection);
    const reconnected = connection !== this.lastConnection;
    const now = this.now();
    const from = cursor ? positionOn(cursor, root.dnsHostName, identity.invocationId) : undefined;

    if (!cursor || from === undefined || reconnected || now - cursor.reconciledAtMs >= reconcileIntervalMs) {
      const durationMs = await readLockoutDurationMs(client, root.defaultNamingContext);
      const observed = await this.search(client, '(lockoutTime>=1)');
      const compared = compareLocks(cursor?.locked ?? {}, observed, durationMs, true);
      const base: LockoutCursor = cursor ?? { v: 1, dcs: {}, locked: {}, durationMs, reconciledAtMs: now };
      const next = withPosition(
        { ...base, locked: compared.locked, durationMs, reconciledAtMs: now },
        root.dnsHostName,
        identity.invocationId,
        root.highestCommittedUsn,
      );
      this.lastConnection = connection;
      return { cursor: next, changes: compared.changes, searches: 2, entries: observed.length, reconciled: true };
    }

    let searches = 0;
    // The position is the USN read before the search: anything committed meanwhile is seen now and again next
    // time, which the known-lock set makes harmless; a position taken from the results could skip a change.
    let position = root.highestCommittedUsn;
    let observed: ObservedAccount[] = [];
    if (root.highestCommittedUsn > from) {
      if (this.now() < this.searchNotBefore) {
        // Resting after an expensive delta: the next cycle searches from where this one stood.
        position = from;
      } else {
        const searchStarted = this.now();
        observed = await this.changedSince(client, from, root.highestCommittedUsn);
        const searchMs = this.now() - searchStarted;
        this.searchNotBefore = this.now() + searchMs * SEARCH_REST_FACTOR;
        searches += 1;
      }
    }
    const seen = new Set(observed.map((account) => account.objectGuid));
    for (const objectGuid of dueToExpire(cursor, now)) {
      if (seen.has(objectGuid)) continue;
      searches += 1;
      observed.push(await this.readOne(client, objectGuid, cursor.locked[objectGuid]!.account));
    }
    const compared = compareLocks(cursor.locked, observed, cursor.durationMs, false);
    const next = withPosition(
      { ...cursor, locked: compared.locked },
      root.dnsHostName,
      identity.invocationId,
      position,
    );
    this.lastConnection = connection;
    return { cursor: next, changes: compared.changes, searches, entries: observed.length, reconciled: false };
  }

  private async identityOf(client: Client, dsServiceName: string, connection: number): Promise<DcIdentity> {
    const known = this.identity;
    if (known && known.connection === connection && known.dsServiceName === dsServiceName) return known;
    const result = await client.search(dsServiceName, {
      scope: 'base',
      filter: '(objectClass=*)',
      attributes: ['invocationId'],
      explicitBufferAttributes: ['invocationId'],
    });
    const value = result.searchEntries[0]?.invocationId;
    const bytes = Array.isArray(value) ? value[0] : value;
    const invocationId = Buffer.isBuffer(bytes) ? guidToString(bytes) : null;
    if (!invocationId) throw new Error(`the DC's invocationId could not be read from ${dsServiceName}`);
    this.identity = { connection, dsServiceName, invocationId };
    return this.identity;
  }

  /**
   * The accounts whose uSNChanged lies in (from, to]. A short span is asked for as equalities, each an index
   * lookup on Samba as on AD, so the cost follows the number of changes; Samba has no range index on uSNChanged,
   * and `uSNChanged>=` there scans every object (docs/lockout.md). A long span, after a burst, takes the range.
   */
  private async changedSince(client: Client, from: number, to: number): Promise<ObservedAccount[]> {
    if (to - from > MAX_USN_EQUALITIES) return this.search(client, `(uSNChanged>=${from + 1})`);
    const found: ObservedAccount[] = [];
    for (let start = from + 1; start <= to; start += USN_EQUALITIES_PER_SEARCH) {
      const end = Math.min(to, start + USN_EQUALITIES_PER_SEARCH - 1);
      const terms = Array.from({ length: end - start + 1 }, (_, i) => `(uSNChanged=${start + i})`).join('');
      found.push(...(await this.search(client, `(|${terms})`)));
    }
    return found;
  }

  private async search(client: Client, condition: string): Promise<ObservedAccount[]> {
    const result = await client.search(this.baseDn, {
      scope: 'sub',
      filter: `(&${USER_FILTER}${condition})`,
      attributes: WATCH_ATTRIBUTES,
      explicitBufferAttributes: ['objectGUID'],
      paged: { pageSize: PAGE_SIZE },
    });
    return result.searchEntries.flatMap((entry) => {
      const observed = observe(entry);
      return observed ? [observed] : [];
    });
  }

  /** A known lock whose time is up: a base read, since expiry writes nothing a USN search could find. */
  private async readOne(client: Client, objectGuid: string, account: string): Promise<ObservedAccount> {
    try {
      const result = await client.search(`<GUID=${objectGuid}>`, {
        scope: 'base',
        filter: '(objectClass=*)',
        attributes: WATCH_ATTRIBUTES,
        explicitBufferAttributes: ['objectGUID'],
      });
      const entry = result.searchEntries[0];
      const observed = entry ? observe(entry) : undefined;
      if (observed) return observed;
    } catch (error) {
      if (!(error instanceof NoSuchObjectError)) throw error;
    }
    // Deleted, or out of sight: no longer a lock anyone can act on.
    return { objectGuid, account, lockedAtMs: 0, lockedNow: false };
  }
}

function observe(entry: Entry): ObservedAccount | undefined {
  const objectGuid = readObjectGuid(entry);
  const account = firstText(entry, 'sAMAccountName');
  if (!objectGuid || !account) return undefined;
  const state = toLockoutState(entry);
  return { objectGuid, account, lockedAtMs: state.lockoutTime?.getTime() ?? 0, lockedNow: state.locked };
}

interface RootDse {
  highestCommittedUsn: number;
  dnsHostName: string;
  dsServiceName: string;
  defaultNamingContext: string;
}

async function readRootDse(client: Client): Promise<RootDse> {
  const result = await client.search('', {
    scope: 'base',
    filter: '(objectClass=*)',
    attributes: ['highestCommittedUSN', 'dnsHostName', 'dsServiceName', 'defaultNamingContext'],
  });
  const entry = result.searchEntries[0];
  const usn = Number(entry ? firstText(entry, 'highestCommittedUSN') : undefined);
  const dnsHostName = entry ? firstText(entry, 'dnsHostName') : undefined;
  const dsServiceName = entry ? firstText(entry, 'dsServiceName') : undefined;
  const defaultNamingContext = entry ? firstText(entry, 'defaultNamingContext') : undefined;
  if (!Number.isSafeInteger(usn) || usn < 0 || !dnsHostName || !dsServiceName || !defaultNamingContext) {
    throw new Error('the rootDSE did not return highestCommittedUSN, dnsHostName, dsServiceName and the domain');
  }
  return { highestCommittedUsn: usn, dnsHostName: dnsHostName.toLowerCase(), dsServiceName, defaultNamingContext };
}

/** The domain's lockout duration in ms; 0 when a lockout lasts until someone unlocks it. */
async function readLockoutDurationMs(client: Client, domainDn: string): Promise<number> {
  const result = await client.search(domainDn, {
    scope: 'base',
    filter: '(objectClass=*)',
    attributes: ['lockoutDuration'],
  });
  const entry = result.searchEntries[0];
  return lockoutDurationMs(entry ? firstText(entry, 'lockoutDuration') : undefined);
}

export function lockoutDurationMs(value: string | undefined): number {
  if (!value || !/^-?\d+$/.test(value)) return 0;
  const ticks = BigInt(value);
  if (ticks === 0n || ticks <= DURATION_FOREVER) return 0;
  return Number((ticks < 0n ? -ticks : ticks) / 10_000n);
}

function firstText(entry: Entry, name: string): string | undefined {
  const key = Object.keys(entry).find((candidate) => candidate.toLowerCase() === name.toLowerCase());
  const value = key === undefined ? undefined : entry[key];
  const first = Array.isArray(value) ? value[0] : value;
  if (first === undefined) return undefined;
  return Buffer.isBuffer(first) ? first.toString('utf8') : first;
}

function clamp(value: number, min: number, max: number): number {
  return Number.isFinite(value) ? Math.min(max, Math.max(min, value)) : min;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
