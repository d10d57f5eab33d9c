import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Attribute, Change, Client } from 'ldapts';
import { directoryConfigOf, startSambaDc, type SambaDc } from '../../../test/support/samba';
import type { WatchLockoutsResult } from '../directory-provider';
import { ActiveDirectoryProvider } from './active-directory.provider';
import { parseLockoutCursor } from './lockout-cursor';
import { bindSubCode } from './to-provider-error';

/** The watch against a real Samba AD DC, with lockouts caused by real wrong binds as the service account sees them. */
describe('lockout watch against Samba AD', { timeout: 240_000 }, () => {
  let dc: SambaDc;
  let provider: ActiveDirectoryProvider;
  let admin: Client;
  let count = 0;

  before(async () => {
    dc = await startSambaDc();
    await dc.setLockoutPolicy({ threshold: 3, durationMinutes: 1 });
    provider = new ActiveDirectoryProvider({ id: 'samba-watch', ...directoryConfigOf(dc) });
    admin = await adminClient();
  });

  after(async () => {
    await admin?.unbind().catch(() => undefined);
    await provider?.close();
    await dc?.stop();
  });

  async function adminClient(): Promise<Client> {
    const client = new Client({
      url: dc.url,
      tlsOptions: { ca: dc.caPem, servername: dc.serverName },
    });
    await client.bind(dc.adminDn, dc.adminPassword);
    return client;
  }

  async function newUser() {
    count += 1;
    const password = `Watch!Pass${count}word`;
    const created = await dc.createUser(`watch${count}`, password);
    return { ...created, password };
  }

  async function lockOut(user: { userPrincipalName: string }): Promise<number> {
    for (let attempt = 1; attempt <= 3; attempt++) {
      await assert.rejects(
        dc.bind(user.userPrincipalName, `wrong-${attempt}`),
        (error) => bindSubCode(error) === '52e',
      );
    }
    return Date.now();
  }

  const watch = (cursor: string | null, waitMs = 0): Promise<WatchLockoutsResult> =>
    provider.watchLockouts({ cursor, waitMs });

  it('reconciles without a cursor, then costs one rootDSE read when idle', async () => {
    const first = await watch(null);
    assert.equal(first.stats.reconciled, true);
    const cursor = parseLockoutCursor(first.cursor);
    assert.ok(cursor, 'a cursor it can read back');
    assert.equal(cursor.durationMs, 60_000, "the domain's lockoutDuration, read at the reconcile");
    const idle = await watch(first.cursor);
    assert.equal(idle.stats.reconciled, false);
    assert.deepEqual(idle.changes, []);
    assert.equal(idle.stats.entries, 0);
  });

  it('reports a lockout from real wrong binds once, within the long poll, and its unlock in AD', async () => {
    const user = await newUser();
    let { cursor } = await watch(null);
    // Anything the user's creation changed is behind us.
    cursor = (await watch(cursor)).cursor;
    const waiting = watch(cursor, 8_000);
    const lockedAt = await lockOut(user);
    const seen = await waiting;
    const detectedIn = Date.now() - lockedAt;
    assert.deepEqual(
      seen.changes.map((change) => [change.account, change.locked]),
      [[user.username, true]],
    );
    const [change] = seen.changes;
    assert.ok(change && change.unlocksAtMs === change.lockedAtMs + 60_000);
    assert.ok(Math.abs(change.lockedAtMs - lockedAt) < 5_000, 'lockedAtMs is the lockoutTime');
    assert.ok(detectedIn < 2_000, `detected ${detectedIn} ms after the locking bind`);

    const again = await watch(seen.cursor, 600);
    assert.deepEqual(again.changes, [], 'not reported twice');

    const unlocking = watch(again.cursor, 8_000);
    await admin.modify(user.dn, [
      new Change({ operation: 'replace', modification: new Attribute({ type: 'lockoutTime', values: ['0'] }) }),
    ]);
    const unlocked = await unlocking;
    assert.deepEqual(
      unlocked.changes.map((c) => [c.account, c.locked, c.lockedAtMs]),
      [[user.username, false, change.lockedAtMs]],
    );
  });

  it('reconciles after a reconnect (a Samba restart) and keeps what it knew', async () => {
    const user = await newUser();
    const start = await watch(null);
    await lockOut(user);
    const seen = await watch(start.cursor, 5_000);
    assert.deepEqual(
      seen.changes.map((c) => c.account),
      [user.username],
    );
    await dc.restart();
    admin = await adminClient();
    const after = await watch(seen.cursor);
    assert.equal(after.stats.reconciled, true, 'a new connection reconciles at once');
    assert.deepEqual(after.changes, [], 'the lock it knew is still known: no second report');
    // And a cursor it cannot read is rebuilt rather than refused.
    const rebuilt = await watch('{"v":1,"garbage":true}');
    assert.equal(rebuilt.stats.reconciled, true);
    assert.deepEqual(
      rebuilt.changes.filter((c) => c.account === user.username).map((c) => c.locked),
      [true],
      'a watch that starts afresh reports the locks it finds (the lockout workflow id collapses the repeat)',
    );
  });

  it('reports nothing when a lock already expired, and reports the end of a known lock when it expires', async () => {
    // A 1-minute duration would make this test wait a minute; the policy is read on every logon, so it is
    // shortened here over LDAP for this test only.
    await setDuration(-30_000_000n); // 3 s
    try {
      const expiring = await newUser();
      const expired = await newUser();
      const start = await watch(null);
      assert.equal(parseLockoutCursor(start.cursor)?.durationMs, 3_000);
      await lockOut(expiring);
      const seen = await watch(start.cursor, 5_000);
      assert.deepEqual(
        seen.changes.map((c) => [c.account, c.locked]),
        [[expiring.username, true]],
      );
      // Locked and expired while nobody watched: lockoutTime is still set, the computed flag is not.
      await lockOut(expired);
      await new Promise((resolve) => setTimeout(resolve, 5_500));
      const fresh = await watch(null);
      assert.ok(!fresh.changes.some((c) => c.account === expired.username), 'an expired lockout is not a lockout');
      assert.ok(!fresh.changes.some((c) => c.account === expiring.username));
      const ended = await watch(seen.cursor, 3_000);
      assert.deepEqual(
        ended.changes.filter((c) => c.account === expiring.username).map((c) => c.locked),
        [false],
        'expiry writes nothing, yet the known lock is read again when its time is up',
      );
    } finally {
      await setDuration(-600_000_000n);
    }
  });

  async function setDuration(ticks: bigint) {
    await admin.modify(dc.baseDn, [
      new Change({
        operation: 'replace',
        modification: new Attribute({ type: 'lockOutObservationWindow', values: [String(ticks)] }),
      }),
      new Change({
        operation: 'replace',
        modification: new Attribute({ type: 'lockoutDuration', values: [String(ticks)] }),
      }),
    ]);
  }
});
