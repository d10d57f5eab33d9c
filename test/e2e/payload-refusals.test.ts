import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { NativeConnection, Worker } from '@temporalio/worker';
import { clientSubkey } from '../../common/crypto/client-keys';
import {
  makeEnrollmentWorkflowId,
  makePasswordResetWorkflowId,
  makePurgeRateLimitsScheduleId,
} from '../../common/domain/workflow-ids';
import type { CodecKeys } from '../../common/temporal/codec-keys';
import { EncryptionCodec } from '../../common/temporal/encryption-codec';
import { activateNewUser, reachCodeStep } from '../support/enrollment-flow';
import { BrowserSession } from '../support/http';
import { testEnv } from '../support/env';
import { createTenant, startTestStack, type TestStack } from '../support/stack';
import {
  adminRead,
  connectAttacker,
  settledDump,
  workflowTaskRefusal,
  type Attacker,
} from '../support/temporal-attacker';

type Tenant = Awaited<ReturnType<typeof createTenant>>;

/**
 * Issue 7 §2: someone who can reach Temporal sends payloads that Latchkey did not seal for that workflow. Each
 * is refused by the codec in the worker (the workflow task fails, or the update never runs), and the database is
 * byte for byte what it was.
 */
describe('payloads that Latchkey did not seal for the workflow are refused', () => {
  let stack: TestStack;
  let attacker: Attacker;
  let tenantA: Tenant;
  let tenantB: Tenant;
  const victimPhone = '+14155550123';
  const attackerPhone = '+14155550199';

  before(async () => {
    stack = await startTestStack();
    attacker = await connectAttacker(stack);
    tenantA = await createTenant(stack, 'Attacker MSP');
    tenantB = await createTenant(stack, 'Victim MSP');
    // B is a client in use, so its first key generation exists. (Were it not, the worker's failure report for a
    // forged reset would create it, as any first use does: a row no attacker can read or choose.)
    await stack.runtime.stores.clientKeys.current(tenantB.clientId);
  });
  after(async () => {
    await attacker?.close();
    await stack?.stop();
  });

  const textsTo = (phone: string) => stack.outbox.list({ to: phone }).length;

  /** A user of `tenant` whose enrollment waits at the phone step (link opened, started). */
  async function enrollmentAtPhoneStep(tenant: Tenant) {
    const { link, userId } = await activateNewUser(stack, tenant);
    const browser = new BrowserSession(stack.url);
    assert.equal((await browser.get(link)).status, 200);
    assert.match((await browser.submit(link, {})).html, /Your cell number/);
    return { userId, workflowId: makeEnrollmentWorkflowId(userId), browser };
  }

  /** The input a forged reset would carry: the victim's user, an account of B's, B's agent queue. */
  const forgedReset = (userId: string) => ({
    resetId: randomUUID(),
    userId,
    username: 'administrator2',
    policy: {
      passwordLength: 12,
      mustChangeAtNextLogon: false,
      unlockOnReset: true,
      requireSmsPin: false,
      resetsPerHour: 5,
    },
    channel: 'api',
    requestedBy: 'api-key:forged',
    requestedAt: Date.now(),
    nonce: 'forged',
    agentTaskQueue: `latchkey-agent-v1-${tenantB.clientId}`,
  });

  it('refuses a plaintext update to an enrollment: no code is sent, nothing is written', async () => {
    const { workflowId, browser } = await enrollmentAtPhoneStep(tenantB);
    const before = await settledDump(stack);
    const { outcome, message } = await attacker.update(workflowId, 'requestCode', [
      attacker.plain({ phone: attackerPhone }),
    ]);
    assert.equal(outcome, 'rejected');
    assert.match(message!, /not encrypted \(encoding "json\/plain"\)/);
    assert.equal(textsTo(attackerPhone), 0, 'no code went to the number in the forged update');
    assert.equal(await settledDump(stack), before, 'the database is unchanged');
    // Rejected before it was accepted, the update left nothing behind: the user's own request goes through.
    const page = await browser.submit('/enroll/phone', { phone: victimPhone });
    assert.match(page.html, /Enter the code/);
  });

  it('refuses a plaintext workflow start on the central queue: nothing is scheduled, sent or written', async () => {
    const { userId } = await enrollmentAtPhoneStep(tenantB);
    const workflowId = makePasswordResetWorkflowId(tenantB.clientId, userId);
    const before = await settledDump(stack);
    await attacker.start(workflowId, 'signedPasswordResetWorkflow', stack.runtime.taskQueue, [
      attacker.plain(forgedReset(userId)),
    ]);
    try {
      assert.match(await workflowTaskRefusal(stack, attacker, workflowId), /not encrypted/);
      const events = await attacker.history(workflowId);
      assert.ok(!events.some((e) => e.activityTaskScheduledEventAttributes || e.markerRecordedEventAttributes));
      assert.equal(await settledDump(stack), before, 'the database is unchanged');
    } finally {
      await attacker.terminate(workflowId);
    }
  });

  it("refuses a payload sealed with client A's key inside client B's workflow, under either key id", async () => {
    // The attacker runs A's agent, so holds A's generation secret, exactly as Latchkey handed it out.
    const issued = await fetch(`${stack.url}/api/v1/clients/${tenantA.clientId}/agents`, {
      method: 'POST',
      headers: { authorization: `Bearer ${tenantA.apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'attacker agent' }),
    }).then((r) => r.json() as Promise<{ token: string }>);
    const config = (await fetch(`${stack.url}/agent/v1/config`, {
      headers: { authorization: `Bearer ${issued.token}` },
    }).then((r) => r.json())) as {
      clientKeys: { current: number; generations: { generation: number; secret: string }[] };
    };
    const own = config.clientKeys.generations[0]!;
    const codecKey = clientSubkey(Buffer.from(own.secret, 'base64'), 'codec');
    // A codec that seals with A's key for any workflow, bound correctly to the target: all the attacker can do.
    const sealWith = (keyId: string) =>
      new EncryptionCodec({
        sealingKey: async () => ({ keyId, key: codecKey }),
        openingKey: async () => undefined,
      } satisfies CodecKeys);

    const { userId } = await enrollmentAtPhoneStep(tenantB);
    const cases = [
      {
        keyId: `client.${tenantA.clientId}.${own.generation}`,
        refusal: /client .*'s key may not open a payload of client/,
      },
      { keyId: `client.${tenantB.clientId}.1`, refusal: /does not authenticate/ },
    ];
    for (const { keyId, refusal } of cases) {
      const workflowId = makePasswordResetWorkflowId(tenantB.clientId, `${userId}-${randomUUID().slice(0, 4)}`);
      const [sealed] = await sealWith(keyId).encode([attacker.plain(forgedReset(userId))], {
        type: 'workflow',
        namespace: stack.runtime.namespace,
        workflowId,
      });
      const before = await settledDump(stack);
      await attacker.start(workflowId, 'signedPasswordResetWorkflow', stack.runtime.taskQueue, [sealed!]);
      try {
        assert.match(await workflowTaskRefusal(stack, attacker, workflowId), refusal);
        assert.ok(!(await attacker.history(workflowId)).some((e) => e.activityTaskScheduledEventAttributes));
        assert.equal(await settledDump(stack), before, 'the database is unchanged');
      } finally {
        await attacker.terminate(workflowId);
      }
    }
  });

  it("refuses a payload cut from one enrollment's history and replayed into another's", async () => {
    // A real user's own request, sealed by Latchkey for their enrollment: the bytes the attacker reads in history.
    const first = await activateNewUser(stack, tenantB);
    await reachCodeStep(stack, first.link, victimPhone);
    const sent = (await attacker.history(makeEnrollmentWorkflowId(first.userId))).find(
      (e) => e.workflowExecutionUpdateAcceptedEventAttributes?.acceptedRequest?.input?.name === 'requestCode',
    );
    const cut = sent!.workflowExecutionUpdateAcceptedEventAttributes!.acceptedRequest!.input!.args!.payloads![0]!;

    const target = await enrollmentAtPhoneStep(tenantB);
    const textsBefore = textsTo(victimPhone);
    const before = await settledDump(stack);
    const { outcome, message } = await attacker.update(target.workflowId, 'requestCode', [cut]);
    assert.equal(outcome, 'rejected');
    assert.match(message!, new RegExp(`sealed for workflow ${makeEnrollmentWorkflowId(first.userId)} .*inside`));
    assert.equal(textsTo(victimPhone), textsBefore, 'no code went to the number in the replayed payload');
    assert.equal(await settledDump(stack), before, 'the database is unchanged');
  });

  it('refuses a plaintext activity that a rogue workflow schedules on the central queue: no phone is bound', async () => {
    // The review's shortest takeover: completeEnrollment for the victim with the attacker's phone, no PIN, no code.
    const { userId } = await enrollmentAtPhoneStep(tenantB);
    const [enrollment] = await stack.database.db('enrollments').where({ user_id: userId });
    const before = await settledDump(stack);
    const taskQueue = `rogue-${randomUUID()}`;
    const rogueConnection = await NativeConnection.connect({ address: testEnv().temporalAddress });
    const workflowId = `rogue-${randomUUID()}`;
    try {
      // Inside the try, so that a worker that fails to build still closes the connection (an open one would keep
      // this test file's process alive after a failure).
      const worker = await Worker.create({
        connection: rogueConnection,
        namespace: stack.runtime.namespace,
        taskQueue,
        workflowsPath: require.resolve('../support/rogue-workflows'),
      });
      // Until the central worker has answered the activity task: its failure is sealed with Latchkey's key, which
      // the rogue cannot even read, so its workflow never learns more than that it failed.
      const failed = await worker.runUntil(async () => {
        await attacker.client.workflow.start('forgedActivity', {
          taskQueue,
          workflowId,
          args: [
            {
              centralTaskQueue: stack.runtime.taskQueue,
              activity: 'completeEnrollment',
              call: { userId, enrollmentId: enrollment.id, method: 'sms', phone: attackerPhone },
            },
          ],
        });
        for (let i = 0; i < 150; i++) {
          const event = (await attacker.history(workflowId)).find((e) => e.activityTaskFailedEventAttributes);
          if (event) return event.activityTaskFailedEventAttributes!;
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
        throw new Error('the central worker never answered the rogue activity');
      });
      const reason = await adminRead(stack, failed.failure!.encodedAttributes!);
      assert.match(reason, /completeEnrollment: .*not encrypted \(encoding "json\/plain"\)/);
    } finally {
      await attacker.terminate(workflowId);
      await rogueConnection.close();
    }
    const [user] = await stack.database.db('users').where({ id: userId });
    assert.equal(user.phone_encrypted, null, "the attacker's phone is not bound");
    assert.equal(await settledDump(stack), before, 'the database is unchanged');
  });

  it('still runs what Latchkey sealed (the control): an enrollment, and scheduled runs one after another', async () => {
    const { link } = await activateNewUser(stack, tenantB);
    const { code } = await reachCodeStep(stack, link, '+14155550777');
    assert.match(code, /^\d{6}$/);
    // A scheduled run gets the schedule's arguments (sealed before it existed) and the previous run's result.
    const schedule = stack.runtime.temporal.schedule.getHandle(makePurgeRateLimitsScheduleId(stack.runtime.taskQueue));
    const results = [];
    for (let run = 0; run < 2; run++) {
      const seen = new Set((await schedule.describe()).info.recentActions.map((a) => a.action.workflow.workflowId));
      await schedule.trigger();
      let started: string | undefined;
      for (let i = 0; i < 100 && !started; i++) {
        started = (await schedule.describe()).info.recentActions
          .map((a) => a.action.workflow.workflowId)
          .find((id) => !seen.has(id));
        if (!started) await new Promise((resolve) => setTimeout(resolve, 100));
      }
      results.push(await stack.runtime.temporal.workflow.getHandle(started!).result());
      // Run ids carry the nominal time to the second; the next trigger must not collide with this one.
      await new Promise((resolve) => setTimeout(resolve, 1_100));
    }
    assert.equal(results.length, 2);
    for (const result of results) assert.equal(typeof (result as { deleted: number }).deleted, 'number');
  });
});
