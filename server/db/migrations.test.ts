import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createTestDatabase, type TestDatabase } from '../../test/support/database';
import { resolveClientPolicy } from '../../common/domain/client-policy';
import { migrateToLatest, migrationRecord, rollbackAll, rollbackLatest } from './migrate';
import { TenantsStore } from './tenants.store';

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

  it('keeps clients created before the PIN default without a PIN, and gives new clients one', async () => {
    await migrateToLatest(database.db);
    // Back to the schema just before 008, whatever came after it.
    while (await migrationRecord(database.db, '008-sms-reset-guards')) await rollbackLatest(database.db);
    const tenants = new TenantsStore(database.db);
    const msp = await tenants.createMsp('Before the default');
    const untouched = await tenants.createClient(msp.id, 'Never chose', { passwordLength: 14 });
    const chose = await tenants.createClient(msp.id, 'Chose a PIN', { requireSmsPin: true });
    assert.ok(untouched !== 'duplicate' && chose !== 'duplicate');
    await migrateToLatest(database.db);
    const after = async (id: string) => (await database.db('clients').where({ id }).first()).settings;
    assert.deepEqual(await after(untouched.id), { passwordLength: 14, requireSmsPin: false });
    assert.deepEqual(await after(chose.id), { requireSmsPin: true });
    const created = await tenants.createClient(msp.id, 'After the default', {});
    assert.ok(created !== 'duplicate');
    assert.equal(resolveClientPolicy(await after(created.id)).requireSmsPin, true);
  });

  it('keeps the audit log append-only', async () => {
    const [msp] = await database.db('msps').insert({ name: 'M' }).returning('id');
    await database.db('audit_events').insert({ msp_id: msp.id, actor: 'system', action: 'client.created' });
    await assert.rejects(database.db('audit_events').update({ action: 'user.created' }), /append-only/);
    await assert.rejects(database.db('audit_events').delete(), /append-only/);
  });
});
