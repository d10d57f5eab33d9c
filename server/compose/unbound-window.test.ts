import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createTestDatabase, type TestDatabase } from '../../test/support/database';
import { migrateToLatest } from '../db/migrate';
import { unboundPayloadsAcceptedUntil } from './temporal';

describe('the upgrade window for payloads sealed before binding', () => {
  let database: TestDatabase;
  const retentionMs = 30 * 86_400_000;
  before(async () => {
    database = await createTestDatabase();
    await migrateToLatest(database.db);
  });
  after(async () => {
    await database?.drop();
  });

  it('is closed on a database created with binding in place: no unbound payload was ever written there', async () => {
    assert.equal(await unboundPayloadsAcceptedUntil(database.db, retentionMs), 0);
  });

  it('lasts one retention period from the upgrade on a database that predates it', async () => {
    // As if 001 and 002 had run in an earlier release and 003 arrived with this one.
    await database.db('knex_migrations').where({ name: '003-client-key-generations' }).update({ batch: 2 });
    const [row] = await database.db('knex_migrations').where({ name: '003-client-key-generations' });
    assert.equal(
      await unboundPayloadsAcceptedUntil(database.db, retentionMs),
      new Date(row.migration_time).getTime() + retentionMs,
    );
  });
});
