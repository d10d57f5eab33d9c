import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { hashVerificationCode } from '../../common/secrets/verification-code';
import { codeIn } from '../support/enrollment-flow';
import { createTenant, startTestStack, type TestStack } from '../support/stack';
import { EnrollmentStep, type EnrollmentTimings } from '../../common/domain/enrollment';
import { enrollmentWorkflow } from '../../workflows/enrollment/enrollment.workflow';
import { openLinkUpdate, requestCodeUpdate, verifyCodeUpdate } from '../../workflows/enrollment/enrollment.messages';
import { makeEnrollmentWorkflowId } from '../../common/domain/workflow-ids';

const FAST: EnrollmentTimings = {
  linkTtlMs: 60_000,
  stepTimeoutMs: 60_000,
  codeTtlMs: 30_000,
  maxCodeAttempts: 3,
  blockDurationMs: 60_000,
  resendIntervalMs: 0,
};

/**
 * The enrollment workflow with its real activities: what it writes to the database and the audit log, and the
 * daily SMS cap that the real rate-limit store enforces. The workflow's own paths are tested in seconds, over
 * in-memory activities, in workflows/enrollment/enrollment.workflow.test.ts.
 */
describe('enrollment workflow on the whole stack: projection, audit and SMS cap', () => {
  let stack: TestStack;
  let tenant: Awaited<ReturnType<typeof createTenant>>;
  before(async () => {
    stack = await startTestStack();
    tenant = await createTenant(stack);
  });
  after(async () => {
    await stack?.stop();
  });

  async function start(timings: Partial<EnrollmentTimings>) {
    const created = await stack.runtime.stores.users.insertMany(tenant.clientId, [
      { username: `wf-${randomUUID().slice(0, 8)}`, email: `${randomUUID()}@example.com` },
    ]);
    assert.ok('created' in created);
    const user = created.created[0]!;
    const enrollmentId = randomUUID();
    // As the activation service does: the enrollment row first, which the workflow's first step claims.
    await stack.runtime.stores.enrollments.create({
      enrollmentId,
      userId: user.id,
      workflowId: makeEnrollmentWorkflowId(user.id),
    });
    const handle = await stack.runtime.temporal.workflow.start(enrollmentWorkflow, {
      taskQueue: stack.runtime.taskQueue,
      workflowId: makeEnrollmentWorkflowId(user.id),
      args: [{ enrollmentId, userId: user.id, timings: { ...FAST, ...timings } }],
    });
    // And then the user is invited: step writes move only a user who is enrolling (F15).
    assert.equal(await stack.runtime.stores.users.transition(user.id, ['inactive'], 'invited'), true);
    await stack.outbox.waitFor((m) => m.to === user.email);
    return { handle, user, enrollmentId };
  }

  async function sendCode(handle: Awaited<ReturnType<typeof start>>['handle'], phone: string) {
    const seen = new Set(stack.outbox.list().map((m) => m.id));
    const result = await handle.executeUpdate(requestCodeUpdate, { args: [{ phone }] });
    assert.equal(result.outcome, 'sent');
    return codeIn(await stack.outbox.waitFor((m) => m.to === phone && !seen.has(m.id)));
  }

  it('expires cleanly when the link is never used', async () => {
    const { handle, user } = await start({ linkTtlMs: 1_500 });
    const result = await handle.result();
    assert.equal(result.step, EnrollmentStep.Expired);
    const row = await stack.runtime.stores.users.getById(user.id);
    assert.equal(row?.status, 'expired');
    const expired = await stack.database.db('audit_events').where({ user_id: user.id, action: 'enrollment.expired' });
    assert.equal(expired.length, 1);
  });

  it('projects a block and its end onto the user, with both in the audit log', async () => {
    const { handle, user, enrollmentId } = await start({ blockDurationMs: 2_000 });
    await handle.executeUpdate(openLinkUpdate);
    const code = await sendCode(handle, '+14155552671');
    const wrong = hashVerificationCode(stack.runtime.secrets, enrollmentId, code === '000000' ? '999999' : '000000');
    const first = await handle.executeUpdate(verifyCodeUpdate, { args: [{ codeHash: wrong }] });
    assert.deepEqual([first.outcome, first.outcome === 'wrong_code' && first.triesLeft], ['wrong_code', 2]);
    await handle.executeUpdate(verifyCodeUpdate, { args: [{ codeHash: wrong }] });
    const third = await handle.executeUpdate(verifyCodeUpdate, { args: [{ codeHash: wrong }] });
    assert.equal(third.outcome, 'blocked');

    assert.equal((await stack.runtime.stores.users.getById(user.id))?.status, 'blocked');
    const blocked = await stack.database.db('audit_events').where({ user_id: user.id, action: 'enrollment.blocked' });
    assert.equal(blocked.length, 1);

    const deadline = Date.now() + 10_000;
    while ((await stack.runtime.stores.users.getById(user.id))?.status !== 'enrolling') {
      assert.ok(Date.now() < deadline, 'the block never ended');
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    const unblocked = await stack.database
      .db('audit_events')
      .where({ user_id: user.id, action: 'enrollment.unblocked' });
    assert.equal(unblocked.length, 1);
  });

  it('stops sending codes at the daily cap and says so', async () => {
    const capped = await startTestStack({ env: { SMS_DAILY_LIMIT_PER_USER: '2' } });
    try {
      const owner = await createTenant(capped);
      const created = await capped.runtime.stores.users.insertMany(owner.clientId, [
        { username: 'capped', email: 'capped@example.com' },
      ]);
      assert.ok('created' in created);
      const ref = {
        enrollmentId: randomUUID(),
        userId: created.created[0]!.id,
        workflowId: makeEnrollmentWorkflowId(created.created[0]!.id),
      };
      await capped.runtime.stores.enrollments.create(ref);
      const handle = await capped.runtime.temporal.workflow.start(enrollmentWorkflow, {
        taskQueue: capped.runtime.taskQueue,
        workflowId: ref.workflowId,
        args: [{ enrollmentId: ref.enrollmentId, userId: ref.userId, timings: FAST }],
      });
      await handle.executeUpdate(openLinkUpdate);
      const outcomes = [];
      for (let i = 0; i < 3; i++)
        outcomes.push((await handle.executeUpdate(requestCodeUpdate, { args: [{ phone: '+14155552671' }] })).outcome);
      assert.deepEqual(outcomes, ['sent', 'sent', 'limit_reached']);
      assert.equal(capped.outbox.count('sms'), 2);
      const audited = await capped.database.db('audit_events').where({ action: 'rate_limit.exceeded' });
      assert.equal(audited.length, 1);
    } finally {
      await capped.stop();
    }
  });
});
