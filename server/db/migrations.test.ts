import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createTestDatabase, type TestDatabase } from '../../test/support/database';
import { migrateToLatest, rollbackAll } from './migrate';

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
});
