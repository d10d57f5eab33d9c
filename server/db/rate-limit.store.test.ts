import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createTestDatabase, type TestDatabase } from '../../test/support/database';
import { DAY_MS, HOUR_MS } from '../../common/duration';
import { migrateToLatest } from './migrate';
import { RATE_LIMIT_RETENTION_MS, RateLimitStore } from './rate-limit.store';

describe('RateLimitStore', () => {
  let database: TestDatabase;
  before(async () => {
    database = await createTestDatabase();
    await migrateToLatest(database.db);
  });
  after(async () => {
    await database?.drop();
  });

  it('counts rate-limit hits atomically under concurrency', async () => {
    const store = new RateLimitStore(database.db);
    const start = Math.floor(Date.now() / 60_000) * 60_000 + 1;
    const verdicts = await Promise.all(Array.from({ length: 20 }, () => store.hit('subject', 5, 60_000, start)));
    assert.equal(verdicts.filter((v) => v.allowed).length, 5);
    assert.deepEqual(
      verdicts.map((v) => v.hits).sort((a, b) => a - b),
      Array.from({ length: 20 }, (_, i) => i + 1),
    );
  });

  it('does not forget hits at a window boundary: the limit slides', async () => {
    const store = new RateLimitStore(database.db);
    const windowMs = 3_600_000;
    const boundary = Math.ceil(Date.now() / windowMs) * windowMs;
    for (let i = 0; i < 5; i++) assert.ok((await store.hit('edge', 5, windowMs, boundary - 1_000)).allowed);
    const justAfter = await store.hit('edge', 5, windowMs, boundary + 1_000);
    assert.equal(justAfter.allowed, false, 'five hits a second ago still count');
    assert.ok(justAfter.retryAfterSeconds > 0);
    const muchLater = await store.hit('edge', 5, windowMs, boundary + windowMs / 2);
    assert.equal(muchLater.allowed, true, 'half a window later, half of them have aged out');
  });

  it('purges buckets older than the retention and keeps those a verdict still reads', async () => {
    const store = new RateLimitStore(database.db);
    const now = Date.now();
    await store.hit('purge-old', 5, HOUR_MS, now - 3 * DAY_MS);
    await store.hit('purge-previous', 5, HOUR_MS, now - HOUR_MS);
    await store.hit('purge-current', 5, HOUR_MS, now);
    // The daily SMS caps: yesterday's window still weighs on today's verdict.
    await store.hit('purge-daily-yesterday', 1, DAY_MS, now - DAY_MS);
    await store.purgeBefore(new Date(now - RATE_LIMIT_RETENTION_MS));
    const left = await database.db('rate_limit_buckets').where('subject', 'like', 'purge-%').pluck('subject');
    assert.deepEqual(left.sort(), ['purge-current', 'purge-daily-yesterday', 'purge-previous']);
    assert.equal((await store.hit('purge-previous', 1, HOUR_MS, now)).allowed, false, 'the previous hour still counts');
    assert.equal(
      (await store.hit('purge-daily-yesterday', 1, DAY_MS, now)).allowed,
      false,
      'a daily cap spent yesterday still counts today, whatever the hourly purge did',
    );
  });
});
