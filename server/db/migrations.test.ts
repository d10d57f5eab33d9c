import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createTestDatabase, type TestDatabase } from '../../test/support/database';
import { migrateToLatest, rollbackAll } from './migrate';
import { RateLimitStore } from './rate-limit.store';

describe('migrations and database rules', () => {
  let database: TestDatabase;
  before(async () => {
    database = await createTestDatabase();
  });
  after(async () => {
    await database?.drop();
  });

  it('runs every migration up, down, and up again', async () => {
    await migrateToLatest(database.db);
    assert.ok(await database.db.schema.hasTable('audit_events'));
    await rollbackAll(database.db);
    assert.equal(await database.db.schema.hasTable('users'), false);
    await migrateToLatest(database.db);
    assert.ok(await database.db.schema.hasTable('users'));
  });

  it('keeps the audit log append-only', async () => {
    const [msp] = await database.db('msps').insert({ name: 'M' }).returning('id');
    await database.db('audit_events').insert({ msp_id: msp.id, actor: 'system', action: 'client.created' });
    await assert.rejects(database.db('audit_events').update({ action: 'user.created' }), /append-only/);
    await assert.rejects(database.db('audit_events').delete(), /append-only/);
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
});
