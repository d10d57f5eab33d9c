import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createTestDatabase, type TestDatabase } from '../../test/support/database';
import { migrateToLatest } from './migrate';
import { TenantsStore } from './tenants.store';
import { createTransact } from './transact';
import { UsersStore } from './users.store';

describe('transact: the unit of work the activities use instead of a knex handle', () => {
  let database: TestDatabase;
  let userId: string;
  before(async () => {
    database = await createTestDatabase();
    await migrateToLatest(database.db);
    const tenants = new TenantsStore(database.db);
    const msp = await tenants.createMsp('MSP');
    const client = await tenants.createClient(msp.id, 'Client', {});
    if (client === 'duplicate') throw new Error('a fresh database has no clients');
    const inserted = await new UsersStore(database.db).insertMany(client.id, [{ username: 'ada', email: 'a@x.test' }]);
    assert.ok('created' in inserted);
    userId = inserted.created[0]!.id;
  });
  after(async () => {
    await database?.drop();
  });

  const statusOf = async () => (await new UsersStore(database.db).getById(userId))?.status;
  const auditCount = async () => Number((await database.db('audit_events').count('* as n').first())?.n);

  it('commits every write of the work together', async () => {
    const before = await auditCount();
    await createTransact(database.db)(async ({ users, audit }) => {
      await users.setStatus(userId, 'enrolling');
      await audit.recordForUser({ userId, actor: 'system', action: 'enrollment.link_opened' });
    });
    assert.equal(await statusOf(), 'enrolling');
    assert.equal(await auditCount(), before + 1);
  });

  it('rolls every write back when the work throws', async () => {
    const before = await auditCount();
    await assert.rejects(
      createTransact(database.db)(async ({ users, audit }) => {
        await users.setStatus(userId, 'blocked');
        await audit.recordForUser({ userId, actor: 'system', action: 'enrollment.blocked' });
        throw new Error('boom');
      }),
      /boom/,
    );
    assert.equal(await statusOf(), 'enrolling');
    assert.equal(await auditCount(), before);
  });

  it('reads a user for the activities in camelCase, with its organisation', async () => {
    const found = await new TenantsStore(database.db).userWithOrg(userId);
    assert.equal(found?.user.id, userId);
    assert.equal(found?.user.displayName, null);
    assert.equal(found?.user.phoneEncrypted, null);
    assert.equal(typeof found?.user.clientId, 'string');
    assert.equal(found?.mspName, 'MSP');
    assert.equal(found?.clientName, 'Client');
  });
});
