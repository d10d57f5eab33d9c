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

  it('makes every API key issued before roles an admin key, and new keys name their role', async () => {
    await migrateToLatest(database.db);
    while (await migrationRecord(database.db, '011-api-key-roles')) await rollbackLatest(database.db);
    const [msp] = await database.db('msps').insert({ name: 'Before roles' }).returning('id');
    const [old] = await database
      .db('api_keys')
      .insert({ msp_id: msp.id, name: 'old', key_id: 'k'.repeat(12), secret_hash: 'h' })
      .returning('id');
    await migrateToLatest(database.db);
    const row = await database.db('api_keys').where({ id: old.id }).first();
    assert.equal(row.role, 'admin');
    assert.equal(row.expires_at, null);
    assert.equal(row.last_used_at, null);
    // No default any more: a key must say what it may do.
    await assert.rejects(
      database.db('api_keys').insert({ msp_id: msp.id, name: 'new', key_id: 'n'.repeat(12), secret_hash: 'h' }),
      /null value in column "role"/,
    );
    await assert.rejects(
      database
        .db('api_keys')
        .insert({ msp_id: msp.id, name: 'new', key_id: 'n'.repeat(12), secret_hash: 'h', role: 'owner' }),
      /api_keys_role_check/,
    );
  });

  it('keeps the audit log append-only', async () => {
    const [msp] = await database.db('msps').insert({ name: 'M' }).returning('id');
    await database.db('audit_events').insert({ msp_id: msp.id, actor: 'system', action: 'client.created' });
    await assert.rejects(database.db('audit_events').update({ action: 'user.created' }), /append-only/);
    await assert.rejects(database.db('audit_events').delete(), /append-only/);
  });
});
