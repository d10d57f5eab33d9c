import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { legacyClientGeneration } from '../../common/crypto/client-keys';
import { createTestDatabase, type TestDatabase } from '../../test/support/database';
import { CURRENT_GENERATION_TTL_MS, ClientKeysStore, PREVIOUS_GENERATION_GRACE_MS } from './client-keys.store';
import { migrateToLatest } from './migrate';

describe('client key generations in the database', () => {
  let database: TestDatabase;
  const master = randomBytes(32);
  let clock = Date.now();
  const now = () => clock;

  before(async () => {
    database = await createTestDatabase();
    await migrateToLatest(database.db);
  });
  after(async () => {
    await database?.drop();
  });

  async function newClient(): Promise<string> {
    const [msp] = await database
      .db('msps')
      .insert({ name: `M${randomBytes(4).toString('hex')}` })
      .returning('id');
    const [client] = await database.db('clients').insert({ msp_id: msp.id, name: 'C' }).returning('id');
    return client.id as string;
  }

  it('creates generation 1 once, however many replicas ask for it at the same moment', async () => {
    const clientId = await newClient();
    const replicas = Array.from({ length: 4 }, () => new ClientKeysStore(database.db, master, now));
    const answers = await Promise.all(
      replicas.flatMap((store) => Array.from({ length: 5 }, () => store.current(clientId))),
    );
    assert.deepEqual(new Set(answers.map((g) => g.generation)), new Set([1]));
    assert.equal(new Set(answers.map((g) => g.secret.toString('hex'))).size, 1, 'every caller got the same secret');
    const rows = await database.db('client_key_generations').where({ client_id: clientId });
    assert.equal(rows.length, 1);
    assert.equal(rows[0].reason, 'first-use');
  });

  it('stores the secret wrapped, bound to its client and generation', async () => {
    const clientId = await newClient();
    const other = await newClient();
    const store = new ClientKeysStore(database.db, master, now);
    const { secret } = await store.current(clientId);
    await store.current(other);
    const [row] = await database.db('client_key_generations').where({ client_id: clientId });
    for (const encoding of ['hex', 'base64', 'base64url'] as const)
      assert.ok(!row.secret_wrapped.includes(secret.toString(encoding)), `the secret is not stored as ${encoding}`);
    // With another master key nothing unwraps; a wrapped secret copied to another client's row does not either.
    await assert.rejects(new ClientKeysStore(database.db, randomBytes(32), now).get(clientId, 1));
    await database
      .db('client_key_generations')
      .where({ client_id: other, generation: 1 })
      .update({ secret_wrapped: row.secret_wrapped });
    await assert.rejects(new ClientKeysStore(database.db, master, now).get(other, 1));
  });

  it('rotates at once in this process, within seconds in another, and keeps every generation readable', async () => {
    const clientId = await newClient();
    const here = new ClientKeysStore(database.db, master, now);
    const elsewhere = new ClientKeysStore(database.db, master, now);
    const first = await here.current(clientId);
    assert.equal((await elsewhere.current(clientId)).generation, 1);
    const rotated = await here.rotate(clientId, 'rotate-keys');
    assert.equal(rotated.generation, 2);
    assert.equal(rotated.reason, 'rotate-keys');
    assert.equal((await here.current(clientId)).generation, 2, 'this process uses the new generation at once');
    assert.equal((await elsewhere.current(clientId)).generation, 1, 'another replica has not re-read yet');
    clock += CURRENT_GENERATION_TTL_MS;
    assert.equal((await elsewhere.current(clientId)).generation, 2, 'and does within the TTL');
    assert.deepEqual((await elsewhere.get(clientId, 1))!.secret, first.secret);
    assert.equal(await elsewhere.get(clientId, 3), undefined);
    assert.deepEqual((await elsewhere.get(clientId, 0))!.secret, legacyClientGeneration(master, clientId).secret);
  });

  it('gives concurrent rotations distinct generations', async () => {
    const clientId = await newClient();
    const a = new ClientKeysStore(database.db, master, now);
    const b = new ClientKeysStore(database.db, master, now);
    await a.current(clientId);
    const made = await Promise.all([a.rotate(clientId, 'agent-revoked'), b.rotate(clientId, 'rotate-keys')]);
    assert.deepEqual(made.map((g) => g.generation).sort(), [2, 3]);
  });

  it('drops a rotation that rolled back, and gives agents the previous generation only while it is recent', async () => {
    const clientId = await newClient();
    const store = new ClientKeysStore(database.db, master, now);
    await store.current(clientId);
    await assert.rejects(
      database.db.transaction(async (trx) => {
        await store.rotate(clientId, 'agent-revoked', trx);
        throw new Error('the revocation failed');
      }),
    );
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal((await store.current(clientId)).generation, 1, 'the rolled-back generation is never used');
    assert.deepEqual(
      (await store.forAgent(clientId)).map((g) => g.generation),
      [1],
    );
    await store.rotate(clientId, 'agent-revoked');
    clock = Date.now();
    assert.deepEqual(
      (await store.forAgent(clientId)).map((g) => g.generation),
      [2, 1],
    );
    clock = Date.now() + PREVIOUS_GENERATION_GRACE_MS;
    assert.deepEqual(
      (await store.forAgent(clientId)).map((g) => g.generation),
      [2],
    );
  });
});
