import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { Client, Connection } from '@temporalio/client';
import { bundleWorkflowCode, DefaultLogger, NativeConnection, Worker } from '@temporalio/worker';
import { makeEnrollmentWorkflowId } from '../../common/domain/workflow-ids';
import { FailureType } from '../../common/domain/failure-types';
import { createCentralDataConverter } from '../../common/temporal/central-data-converter';
import { activateNewUser, reachCodeStep } from '../support/enrollment-flow';
import { testEnv } from '../support/env';
import { enrollForSms, outboxInbox, reachMethodStep } from '../support/sms-enrollment';
import { createTenant, startTestStack, type TestStack } from '../support/stack';
import { forgedActivity, forgedCompleteEnrollment, forgedSendVerificationCode } from '../support/rogue-workflows';

const ATTACKER_PHONE = '+14155550199';

/**
 * Issue 7, section 4, for enrollment: someone who can reach Temporal runs workflows of their own, on their own
 * worker and task queue, that schedule Latchkey's central enrollment activities with inputs of their choosing.
 * The attacker is an insider with the real shared codec key (the data converter below is the central worker's
 * own), so that it is the activities' own checks, not the codec, that refuse them. Every refusal is followed by
 * a look at the database and the outbox: no phone bound, no status changed, no audit entry, no text sent.
 */
describe('forged enrollment activities, scheduled by a workflow that is not the enrollment', () => {
  let stack: TestStack;
  let victimTenant: Awaited<ReturnType<typeof createTenant>>;
  let otherTenant: Awaited<ReturnType<typeof createTenant>>;
  let attacker: Client;
  let workerConnection: NativeConnection;
  let stopWorker: () => void;
  let workerStopped: Promise<void>;
  const rogueQueue = `rogue-${randomUUID()}`;

  before(async () => {
    stack = await startTestStack();
    victimTenant = await createTenant(stack, 'Victim MSP');
    otherTenant = await createTenant(stack, 'Other MSP');
    const dataConverter = createCentralDataConverter(stack.config.codecKeys, stack.runtime.stores.clientKeys);
    const address = testEnv().temporalAddress;
    const [workflowBundle, native, connection] = await Promise.all([
      bundleWorkflowCode({
        workflowsPath: require.resolve('../support/rogue-workflows'),
        logger: new DefaultLogger('ERROR'),
      }),
      NativeConnection.connect({ address }),
      Connection.connect({ address }),
    ]);
    workerConnection = native;
    attacker = new Client({ connection, namespace: stack.runtime.namespace, dataConverter });
    const worker = await Worker.create({
      connection: workerConnection,
      namespace: stack.runtime.namespace,
      taskQueue: rogueQueue,
      workflowBundle,
      dataConverter,
    });
    workerStopped = worker.runUntil(new Promise<void>((resolve) => (stopWorker = resolve)));
  });
  after(async () => {
    stopWorker?.();
    await workerStopped;
    await attacker?.connection.close();
    await workerConnection?.close();
    await stack?.stop();
  });

  /** Runs a rogue workflow to its end on the attacker's queue; returns the failure type its activity got. */
  function forge<A extends unknown[]>(
    workflow: (...args: A) => Promise<string>,
    workflowId: string,
    ...args: A
  ): Promise<string> {
    return attacker.workflow.execute(workflow, { taskQueue: rogueQueue, workflowId, args });
  }

  const central = () => stack.runtime.taskQueue;

  /** Everything a forged call could have changed for this user: its rows, links and audit trail, and the texts sent. */
  async function footprint(userId: string) {
    const { db } = stack.database;
    return {
      user: await db('users').where({ id: userId }).first(),
      enrollments: await db('enrollments').where({ user_id: userId }).orderBy('started_at'),
      audit: await db('audit_events').where({ user_id: userId }).orderBy('id').pluck('action'),
      links: await db('activation_links')
        .join('enrollments', 'enrollments.id', 'activation_links.enrollment_id')
        .where('enrollments.user_id', userId)
        .orderBy('activation_links.created_at')
        .select('activation_links.*'),
      texts: stack.outbox.count('sms'),
      toAttacker: stack.outbox.list().filter((message) => message.to === ATTACKER_PHONE).length,
    };
  }

  async function enrollmentIdOf(userId: string): Promise<string> {
    const row = await stack.database.db('enrollments').where({ user_id: userId }).orderBy('started_at', 'desc').first();
    assert.ok(row, 'the user has an enrollment');
    return row.id as string;
  }

  /** A user of the other client, enrolled for SMS, whose enrollment workflow has ended: its id is free to take. */
  async function enrolledElsewhere(phone: string) {
    const enrolled = await enrollForSms(stack, outboxInbox(stack), { phone, tenant: otherTenant });
    await stack.runtime.temporal.workflow.getHandle(makeEnrollmentWorkflowId(enrolled.userId)).result();
    return enrolled;
  }

  /** A user at the method step, phone verified; waits for the background audit write so the footprint is stable. */
  async function victimAtMethodStep(phone: string) {
    const reached = await reachMethodStep(stack, outboxInbox(stack), { phone, tenant: victimTenant });
    const deadline = Date.now() + 10_000;
    while (
      (await stack.database.db('audit_events').where({ user_id: reached.userId, action: 'enrollment.phone_verified' }))
        .length === 0
    ) {
      assert.ok(Date.now() < deadline, 'the verification was never audited');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    return { ...reached, enrollmentId: await enrollmentIdOf(reached.userId) };
  }

  it("cannot bind the attacker's phone, or even the victim's own, to a victim mid-enrollment; the victim then enrolls as usual", async () => {
    const victimPhone = '+14155550101';
    const victim = await victimAtMethodStep(victimPhone);
    const before = await footprint(victim.userId);
    assert.equal(before.user.status, 'enrolling');

    for (const phone of [ATTACKER_PHONE, victimPhone]) {
      const outcome = await forge(forgedCompleteEnrollment, `rogue-${randomUUID()}`, {
        centralTaskQueue: central(),
        call: { enrollmentId: victim.enrollmentId, userId: victim.userId, method: 'sms', phone },
      });
      assert.equal(outcome, FailureType.EnrollmentNotOwned);
    }
    assert.deepEqual(await footprint(victim.userId), before);

    const done = await victim.browser.submit('/enroll/method', { method: 'sms' });
    assert.match(done.html, /You are all set/, done.html);
    const enrolled = await stack.runtime.stores.users.getById(victim.userId);
    assert.equal(enrolled?.status, 'enrolled_sms');
    assert.equal(enrolled?.phone_lookup, stack.runtime.secrets.hash('phone-lookup', victimPhone));
  });

  it("cannot rebind another client's enrolled user, even from a workflow under that user's enrollment workflow id", async () => {
    const other = await enrolledElsewhere('+14155550102');
    const otherEnrollment = await enrollmentIdOf(other.userId);
    const victim = await victimAtMethodStep('+14155550103');
    const before = { other: await footprint(other.userId), victim: await footprint(victim.userId) };
    assert.equal(before.other.user.status, 'enrolled_sms');

    // The user's own enrollment workflow has ended, so its id is free for anyone who can start workflows.
    const calls = [
      { enrollmentId: otherEnrollment, userId: other.userId },
      { enrollmentId: victim.enrollmentId, userId: other.userId },
      { enrollmentId: randomUUID(), userId: other.userId },
    ];
    for (const ref of calls) {
      const outcome = await forge(forgedCompleteEnrollment, makeEnrollmentWorkflowId(other.userId), {
        centralTaskQueue: central(),
        call: { ...ref, method: 'sms', phone: ATTACKER_PHONE },
      });
      assert.equal(outcome, FailureType.EnrollmentNotOwned);
    }
    assert.deepEqual({ other: await footprint(other.userId), victim: await footprint(victim.userId) }, before);
  });

  it('a workflow the API never started can open no enrollment and change no status, audit or link', async () => {
    const other = await enrolledElsewhere('+14155550109');
    const before = await footprint(other.userId);
    const emails = stack.outbox.count('email');
    const workflowId = makeEnrollmentWorkflowId(other.userId);
    const enrollmentId = randomUUID();
    const ref = { enrollmentId, userId: other.userId };
    const forged = [
      { activity: 'openEnrollment', call: { ...ref, workflowId } },
      {
        activity: 'recordEnrollmentStep',
        call: {
          ...ref,
          userStatus: 'enrolling',
          enrollmentStatus: 'enrolling',
          ended: false,
          action: 'enrollment.link_opened',
        },
      },
      { activity: 'recordAudit', call: { ...ref, action: 'enrollment.phone_verified' } },
      { activity: 'sendActivationEmail', call: { ...ref, linkTtlMs: 60_000, resend: false } },
    ] as const;
    for (const { activity, call } of forged) {
      const outcome = await forge(forgedActivity, workflowId, { centralTaskQueue: central(), activity, call });
      assert.equal(outcome, FailureType.EnrollmentNotOwned, activity);
    }
    assert.deepEqual(await footprint(other.userId), before);
    assert.equal(stack.outbox.count('email'), emails, 'no activation email went out');
  });

  it("cannot take over by replacing the victim's workflow: the new run did not open the enrollment, and without runs on record the phone must be the verified one", async () => {
    const victim = await victimAtMethodStep('+14155550104');
    const workflowId = makeEnrollmentWorkflowId(victim.userId);
    await attacker.workflow.getHandle(workflowId).terminate('replaced by the attacker');
    const call = { enrollmentId: victim.enrollmentId, userId: victim.userId, method: 'sms' as const };
    const before = await footprint(victim.userId);

    const replaced = await forge(forgedCompleteEnrollment, workflowId, {
      centralTaskQueue: central(),
      call: { ...call, phone: ATTACKER_PHONE },
    });
    assert.equal(replaced, FailureType.EnrollmentNotOwned);
    assert.deepEqual(await footprint(victim.userId), before);

    // An enrollment opened before migration 004 has no run on record; the verified phone is then what stops it.
    await stack.database.db('enrollments').where({ id: victim.enrollmentId }).update({ run_id: null });
    const legacy = await footprint(victim.userId);
    const unverified = await forge(forgedCompleteEnrollment, workflowId, {
      centralTaskQueue: central(),
      call: { ...call, phone: ATTACKER_PHONE },
    });
    assert.equal(unverified, FailureType.EnrollmentNotVerified);
    assert.deepEqual(await footprint(victim.userId), legacy);
  });

  it('refuses even the genuine workflow when the database shows no verified code, or a user no longer enrolling', async () => {
    // The API alone records a verification; without that record, the workflow's own "verified" binds nothing.
    const unverified = await victimAtMethodStep('+14155550106');
    await stack.database.db('enrollments').where({ id: unverified.enrollmentId }).update({ code_verified_at: null });
    // A deactivation that landed while the user was on the method page (F15), seen before the workflow's cancel.
    const deactivated = await victimAtMethodStep('+14155550107');
    await stack.database.db('users').where({ id: deactivated.userId }).update({ status: 'deactivated' });

    for (const victim of [unverified, deactivated]) {
      const before = await footprint(victim.userId);
      const page = await victim.browser.submit('/enroll/method', { method: 'sms' });
      assert.equal(page.status, 409, page.html);
      assert.match(page.html, /could not be confirmed/);
      assert.deepEqual(await footprint(victim.userId), before);
    }
  });

  it('does not record a code as verified that the database never saw sent, even when the workflow accepts it', async () => {
    const activated = await activateNewUser(stack, victimTenant);
    const { browser, code } = await reachCodeStep(stack, activated.link, '+14155550108');
    const enrollmentId = await enrollmentIdOf(activated.userId);
    // As if the workflow held a code that sendVerificationCode never recorded, as a forged one would.
    await stack.database
      .db('enrollments')
      .where({ id: enrollmentId })
      .update({ code_hash: 'x'.repeat(43) });
    const user = await footprint(activated.userId);

    const typed = await browser.submit('/enroll/code', { code });
    assert.equal(typed.status, 409, typed.html);
    const row = await stack.database.db('enrollments').where({ id: enrollmentId }).first();
    assert.equal(row.code_verified_at, null);
    const chosen = await browser.submit('/enroll/method', { method: 'sms' });
    assert.equal(chosen.status, 409, chosen.html);
    assert.deepEqual((await footprint(activated.userId)).user, user.user);
  });

  it("cannot text a code to the attacker's number through a victim's enrollment", async () => {
    const victim = await victimAtMethodStep('+14155550105');
    const before = await footprint(victim.userId);
    const outcome = await forge(forgedSendVerificationCode, `rogue-${randomUUID()}`, {
      centralTaskQueue: central(),
      call: {
        enrollmentId: victim.enrollmentId,
        userId: victim.userId,
        phone: ATTACKER_PHONE,
        nonce: randomUUID(),
        codeTtlMs: 60_000,
      },
    });
    assert.equal(outcome, FailureType.EnrollmentNotOwned);
    assert.deepEqual(await footprint(victim.userId), before);
    assert.equal(before.toAttacker, 0);
  });
});
