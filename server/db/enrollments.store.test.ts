import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { createTestDatabase, type TestDatabase } from '../../test/support/database';
import { makeEnrollmentWorkflowId } from '../../common/domain/workflow-ids';
import { EnrollmentsStore } from './enrollments.store';
import { migrateToLatest } from './migrate';
import { TenantsStore } from './tenants.store';
import { createTransact } from './transact';
import { UsersStore } from './users.store';

/**
 * What the enrollment rows record for the central activities' checks (migration 004), on real PostgreSQL: the
 * row the starter creates and the run that claims it, the code last sent and whether the API saw it typed, and the conditional
 * writes that let a completion land only on an enrolling user and enrollment.
 */
describe('EnrollmentsStore and markEnrolled: what an enrollment activity checks before it acts', () => {
  let database: TestDatabase;
  let enrollments: EnrollmentsStore;
  let users: UsersStore;
  let clientId: string;
  before(async () => {
    database = await createTestDatabase();
    await migrateToLatest(database.db);
    const tenants = new TenantsStore(database.db);
    const msp = await tenants.createMsp('MSP');
    const client = await tenants.createClient(msp.id, 'Client', {});
    if (client === 'duplicate') throw new Error('a fresh database has no clients');
    clientId = client.id;
    enrollments = new EnrollmentsStore(database.db);
    users = new UsersStore(database.db);
  });
  after(async () => {
    await database?.drop();
  });

  /** A new user with an open enrollment, opened by run `runId`. */
  async function opened(runId = randomUUID()) {
    const inserted = await users.insertMany(clientId, [{ username: `u-${randomUUID()}`, email: 'u@x.test' }]);
    assert.ok('created' in inserted);
    const userId = inserted.created[0]!.id;
    const ref = { enrollmentId: randomUUID(), userId };
    const workflowId = makeEnrollmentWorkflowId(userId);
    await enrollments.create({ ...ref, workflowId });
    assert.equal(await enrollments.claim({ ...ref, workflowId, runId }), true);
    return { ref, runId };
  }

  const phone = {
    method: 'sms' as const,
    phoneEncrypted: 'sealed',
    phoneLookup: 'lookup-of-the-phone',
    smsPinHash: null,
  };

  it('lets a run claim only an open enrollment the starter created for its workflow, and only once', async () => {
    const { ref, runId } = await opened();
    const workflowId = makeEnrollmentWorkflowId(ref.userId);
    assert.equal(await enrollments.claim({ ...ref, workflowId, runId }), true, 'the same run again');
    assert.equal(await enrollments.claim({ ...ref, workflowId, runId: randomUUID() }), false, 'another run');
    assert.equal(await enrollments.claim({ ...ref, workflowId: 'rogue', runId: randomUUID() }), false);
    const unstarted = { enrollmentId: randomUUID(), userId: ref.userId, workflowId, runId: randomUUID() };
    assert.equal(await enrollments.claim(unstarted), false, 'an enrollment no starter created');
    assert.equal(await enrollments.find(unstarted.enrollmentId), undefined, 'and the claim created none');

    const record = await enrollments.find(ref.enrollmentId);
    assert.deepEqual(record, {
      ...ref,
      workflowId: makeEnrollmentWorkflowId(ref.userId),
      runId,
      status: 'invited',
      ended: false,
      codePhoneLookup: null,
      codeVerified: false,
      userStatus: 'inactive',
      userPhoneLookup: null,
    });
  });

  it('discards a created enrollment whose workflow never started, and never one a run has claimed', async () => {
    const { ref } = await opened();
    await enrollments.discard(ref.enrollmentId);
    assert.ok(await enrollments.find(ref.enrollmentId), 'a claimed enrollment stays');
    const pending = {
      enrollmentId: randomUUID(),
      userId: ref.userId,
      workflowId: makeEnrollmentWorkflowId(ref.userId),
    };
    await enrollments.create(pending);
    await enrollments.discard(pending.enrollmentId);
    assert.equal(await enrollments.find(pending.enrollmentId), undefined);
  });

  it("records a code as verified only for the hash stored, on that user's open enrollment; a new code voids it", async () => {
    const at = (second: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, second));
    const { ref } = await opened();
    const other = await opened();
    assert.equal(await enrollments.recordCodeVerified(ref, 'hash-a'), false, 'no code was sent yet');
    await enrollments.recordCodeSent(ref.enrollmentId, {
      phoneLookup: 'phone-1',
      codeHash: 'hash-a',
      sendBegan: at(1),
    });
    assert.equal(await enrollments.recordCodeVerified(ref, 'hash-b'), false, 'a wrong code');
    assert.equal(
      await enrollments.recordCodeVerified({ enrollmentId: ref.enrollmentId, userId: other.ref.userId }, 'hash-a'),
      false,
      "another user's session",
    );
    assert.equal((await enrollments.find(ref.enrollmentId))?.codeVerified, false);

    assert.equal(await enrollments.recordCodeVerified(ref, 'hash-a'), true);
    const verified = await enrollments.find(ref.enrollmentId);
    assert.deepEqual([verified?.codePhoneLookup, verified?.codeVerified], ['phone-1', true]);

    await enrollments.recordCodeSent(ref.enrollmentId, {
      phoneLookup: 'phone-2',
      codeHash: 'hash-c',
      sendBegan: at(2),
    });
    const resent = await enrollments.find(ref.enrollmentId);
    assert.deepEqual([resent?.codePhoneLookup, resent?.codeVerified], ['phone-2', false]);
    assert.equal(await enrollments.recordCodeVerified(ref, 'hash-a'), false, 'the old code no longer counts');

    // The same send recorded again (a retried or re-run activity) keeps what the user's typing proved.
    assert.equal(await enrollments.recordCodeVerified(ref, 'hash-c'), true);
    await enrollments.recordCodeSent(ref.enrollmentId, {
      phoneLookup: 'phone-2',
      codeHash: 'hash-c',
      sendBegan: at(3),
    });
    assert.equal((await enrollments.find(ref.enrollmentId))?.codeVerified, true, 'a repeat of the same send');
    await enrollments.recordCodeSent(ref.enrollmentId, {
      phoneLookup: 'phone-1',
      codeHash: 'hash-c',
      sendBegan: at(4),
    });
    assert.equal((await enrollments.find(ref.enrollmentId))?.codeVerified, false, 'the same code to another number');

    // A late run of an older send (begun before the one recorded) changes nothing.
    await enrollments.recordCodeSent(ref.enrollmentId, {
      phoneLookup: 'phone-1',
      codeHash: 'hash-a',
      sendBegan: at(2),
    });
    assert.equal(await enrollments.recordCodeVerified(ref, 'hash-a'), false, 'an older code does not come back');
    assert.equal((await enrollments.find(ref.enrollmentId))?.codePhoneLookup, 'phone-1', 'nor its number');

    await enrollments.setStatus(ref.enrollmentId, 'expired', true);
    assert.equal(await enrollments.recordCodeVerified(ref, 'hash-c'), false, 'an ended enrollment');
    await enrollments.recordCodeSent(ref.enrollmentId, {
      phoneLookup: 'phone-3',
      codeHash: 'hash-d',
      sendBegan: at(5),
    });
    assert.equal((await enrollments.find(ref.enrollmentId))?.codePhoneLookup, 'phone-1', 'nothing sent is recorded');
  });

  it('binds a phone only to a user who is still enrolling, so a deactivation that landed first wins (F15)', async () => {
    const { ref } = await opened();
    await users.setStatus(ref.userId, 'deactivated');
    assert.equal(await users.markEnrolled(ref.userId, phone), false);
    const untouched = await users.getById(ref.userId);
    assert.deepEqual([untouched?.status, untouched?.phone_lookup], ['deactivated', null]);

    await users.setStatus(ref.userId, 'enrolling');
    assert.equal(await users.markEnrolled(ref.userId, phone), true);
    const enrolled = await users.getById(ref.userId);
    assert.deepEqual([enrolled?.status, enrolled?.phone_lookup], ['enrolled_sms', 'lookup-of-the-phone']);
    assert.equal(await users.markEnrolled(ref.userId, phone), false, 'an enrolled user is not enrolled again');
  });

  it('ends an enrollment as enrolled only from open and enrolling', async () => {
    const { ref } = await opened();
    assert.equal(await enrollments.markEnrolled(ref.enrollmentId, 'enrolled_app'), false, 'still invited');
    await enrollments.setStatus(ref.enrollmentId, 'enrolling', false);
    assert.equal(await enrollments.markEnrolled(ref.enrollmentId, 'enrolled_app'), true);
    const ended = await enrollments.find(ref.enrollmentId);
    assert.deepEqual([ended?.status, ended?.ended], ['enrolled_app', true]);
    assert.equal(await enrollments.markEnrolled(ref.enrollmentId, 'enrolled_sms'), false, 'once only');
  });

  it('holds the enrollment and its user locked from the check to the commit: a deactivation waits for it', async () => {
    const { ref } = await opened();
    let deactivated = false;
    let deactivation: Promise<void> | undefined;
    await createTransact(database.db)(async (stores) => {
      const record = await stores.enrollments.find(ref.enrollmentId, { lock: true });
      assert.equal(record?.userId, ref.userId);
      deactivation = new UsersStore(database.db).deactivate(ref.userId).then(() => void (deactivated = true));
      await new Promise((resolve) => setTimeout(resolve, 300));
      assert.equal(deactivated, false, 'the deactivation ran while the checked rows were locked');
    });
    await deactivation;
    assert.equal((await users.getById(ref.userId))?.status, 'deactivated');
  });
  it("deactivation ends the user's open enrollment and revokes its unspent links; an ended enrollment's link opens nothing (F4)", async () => {
    const { ref } = await opened();
    await enrollments.replaceLink(ref.enrollmentId, 'token-a', new Date(Date.now() + 60_000));
    assert.equal((await enrollments.lookupLink('token-a')).outcome, 'valid');
    assert.equal(await enrollments.hasOpenBesides(ref.userId, randomUUID()), true);

    await users.deactivate(ref.userId);
    const ended = await enrollments.find(ref.enrollmentId);
    assert.deepEqual([ended?.status, ended?.ended, ended?.userStatus], ['cancelled', true, 'deactivated']);
    assert.equal(await enrollments.hasOpenBesides(ref.userId, randomUUID()), false);
    assert.equal((await enrollments.lookupLink('token-a')).outcome, 'revoked');
    // Even a link that escaped the revocation is neither valid nor spent once its enrollment has ended.
    await database.db('activation_links').where({ token_hash: 'token-a' }).update({ revoked_at: null });
    assert.equal((await enrollments.consumeLink('token-a')).outcome, 'revoked');
    const row = await database.db('activation_links').where({ token_hash: 'token-a' }).first();
    assert.equal(row.consumed_at, null);
  });

  it('spends a disown link once, and never after it expires', async () => {
    const { ref } = await opened();
    await enrollments.addDisownLink(ref.enrollmentId, 'disown-a', new Date(Date.now() + 60_000));
    await enrollments.addDisownLink(ref.enrollmentId, 'disown-b', new Date(Date.now() - 1_000));
    assert.equal((await enrollments.lookupDisownLink('disown-a')).outcome, 'valid');
    assert.equal((await enrollments.lookupDisownLink('disown-b')).outcome, 'expired');
    assert.equal((await enrollments.lookupDisownLink('no-such')).outcome, 'unknown');
    assert.deepEqual(
      await Promise.all([enrollments.consumeDisownLink('disown-a'), enrollments.consumeDisownLink('disown-a')]).then(
        (spent) => spent.sort(),
      ),
      [false, true],
    );
    assert.equal((await enrollments.lookupDisownLink('disown-a')).outcome, 'used');
    assert.equal(await enrollments.consumeDisownLink('disown-b'), false);
    assert.equal(await enrollments.latestOf(ref.userId), ref.enrollmentId);
  });
});
