import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  compareLocks,
  dueToExpire,
  parseLockoutCursor,
  positionOn,
  serializeLockoutCursor,
  withPosition,
  type LockoutCursor,
} from './lockout-cursor';
import { lockoutDurationMs } from './lockout-watch';

const G1 = '11111111-1111-1111-1111-111111111111';
const G2 = '22222222-2222-2222-2222-222222222222';
const MINUTE = 60_000;

function cursor(overrides: Partial<LockoutCursor> = {}): LockoutCursor {
  return { v: 1, dcs: {}, locked: {}, durationMs: MINUTE, reconciledAtMs: 1000, ...overrides };
}

describe('lockout cursor', () => {
  it('round-trips, and treats anything unreadable as no cursor (a reconcile follows)', () => {
    const original = withPosition(cursor({ locked: { [G1]: { account: 'jdoe', lockedAtMs: 5 } } }), 'dc1', 'inv', 42);
    assert.deepEqual(parseLockoutCursor(serializeLockoutCursor(original)), original);
    for (const bad of [
      null,
      '',
      'not json',
      '[]',
      '{"v":2,"dcs":{},"locked":{},"durationMs":0,"reconciledAtMs":0}',
      '{"v":1,"dcs":{"dc1":{"invocationId":"x","usn":-1}},"locked":{},"durationMs":0,"reconciledAtMs":0}',
      '{"v":1,"dcs":{},"locked":{"g":{"account":1,"lockedAtMs":0}},"durationMs":0,"reconciledAtMs":0}',
      'x'.repeat(70_000),
    ]) {
      assert.equal(parseLockoutCursor(bad), undefined, String(bad).slice(0, 40));
    }
  });

  it('keeps a position per DC, and forgets it when the invocationId changed (a restored DC)', () => {
    let c = withPosition(cursor(), 'dc1', 'inv-a', 100);
    c = withPosition(c, 'dc2', 'inv-b', 7);
    assert.equal(positionOn(c, 'dc1', 'inv-a'), 100);
    assert.equal(positionOn(c, 'dc2', 'inv-b'), 7);
    assert.equal(positionOn(c, 'dc1', 'inv-restored'), undefined);
    assert.equal(positionOn(c, 'dc3', 'inv-c'), undefined);
    for (let i = 3; i <= 6; i++) c = withPosition(c, `dc${i}`, 'inv', i);
    assert.equal(Object.keys(c.dcs).length, 4, 'bounded');
    assert.equal(positionOn(c, 'dc1', 'inv-a'), undefined, 'the least recently used DC went first');
  });

  it('reports a lockout once, with when it ends by itself', () => {
    const first = compareLocks(
      {},
      [{ objectGuid: G1, account: 'jdoe', lockedAtMs: 5000, lockedNow: true }],
      MINUTE,
      false,
    );
    assert.deepEqual(first.changes, [
      { account: 'jdoe', objectGuid: G1, locked: true, lockedAtMs: 5000, unlocksAtMs: 5000 + MINUTE },
    ]);
    const again = compareLocks(
      first.locked,
      [{ objectGuid: G1, account: 'jdoe', lockedAtMs: 5000, lockedNow: true }],
      MINUTE,
      false,
    );
    assert.deepEqual(again.changes, [], 'the same lockout seen again is no change');
    assert.deepEqual(
      compareLocks({}, [{ objectGuid: G1, account: 'jdoe', lockedAtMs: 5000, lockedNow: true }], 0, false).changes[0]
        ?.unlocksAtMs,
      null,
      'a duration of 0 locks until someone unlocks',
    );
  });

  it('does not report an expired lockout (lockoutTime still set, computed flag clear) as locked', () => {
    const result = compareLocks(
      {},
      [{ objectGuid: G1, account: 'jdoe', lockedAtMs: 5000, lockedNow: false }],
      MINUTE,
      true,
    );
    assert.deepEqual(result.changes, []);
    assert.deepEqual(result.locked, {});
  });

  it('reports the end of a known lock: unlocked, expired, or gone from a reconcile', () => {
    const known = { [G1]: { account: 'jdoe', lockedAtMs: 5000 }, [G2]: { account: 'asmith', lockedAtMs: 6000 } };
    const unlocked = compareLocks(
      known,
      [{ objectGuid: G1, account: 'jdoe', lockedAtMs: 0, lockedNow: false }],
      MINUTE,
      false,
    );
    assert.deepEqual(unlocked.changes, [
      { account: 'jdoe', objectGuid: G1, locked: false, lockedAtMs: 5000, unlocksAtMs: 5000 + MINUTE },
    ]);
    assert.deepEqual(Object.keys(unlocked.locked), [G2], 'a delta judges only the accounts it saw');

    const reconciled = compareLocks(known, [], MINUTE, true);
    assert.deepEqual(
      reconciled.changes.map((change) => [change.account, change.locked]),
      [
        ['jdoe', false],
        ['asmith', false],
      ],
    );
    assert.deepEqual(reconciled.locked, {});
  });

  it('ends the earlier lock before reporting a new lockout of the same account', () => {
    const known = { [G1]: { account: 'jdoe', lockedAtMs: 5000 } };
    const result = compareLocks(
      known,
      [{ objectGuid: G1, account: 'jdoe', lockedAtMs: 9000, lockedNow: true }],
      MINUTE,
      false,
    );
    assert.deepEqual(
      result.changes.map((change) => [change.locked, change.lockedAtMs]),
      [
        [false, 5000],
        [true, 9000],
      ],
    );
    assert.deepEqual(result.locked, { [G1]: { account: 'jdoe', lockedAtMs: 9000 } });
  });

  it('names the known locks whose duration has passed, which must be read since expiry writes nothing', () => {
    const c = cursor({ locked: { [G1]: { account: 'a', lockedAtMs: 0 }, [G2]: { account: 'b', lockedAtMs: 30_000 } } });
    assert.deepEqual(dueToExpire(c, MINUTE), [G1]);
    assert.deepEqual(dueToExpire({ ...c, durationMs: 0 }, 10 * MINUTE), [], 'locked until unlocked never expires');
  });

  it("reads the domain's lockoutDuration (negative 100 ns ticks; 0 and the minimum mean forever)", () => {
    assert.equal(lockoutDurationMs('-600000000'), MINUTE);
    assert.equal(lockoutDurationMs('0'), 0);
    assert.equal(lockoutDurationMs('-9223372036854775808'), 0);
    assert.equal(lockoutDurationMs(undefined), 0);
    assert.equal(lockoutDurationMs('garbage'), 0);
  });
});
