import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { Client, Connection, WorkflowUpdateFailedError, type WorkflowHandle } from '@temporalio/client';
import { ApplicationFailure, WorkflowNotFoundError } from '@temporalio/common';
import {
  bundleWorkflowCode,
  DefaultLogger,
  NativeConnection,
  Runtime,
  Worker,
  type WorkflowBundleWithSourceMap,
} from '@temporalio/worker';
import { loadTemporalSettings } from '../../common/temporal/settings';
import { type InMemoryEnrollment, InMemoryEnrollmentActivities } from '../../test/fakes/enrollment-activities';
import { testEnv } from '../../test/support/env';
import { EnrollmentStep, type EnrollmentTimings } from '../../common/domain/enrollment';
import {
  appPairedUpdate,
  cancelEnrollmentSignal,
  chooseMethodUpdate,
  getEnrollmentQuery,
  openLinkUpdate,
  requestCodeUpdate,
  resendActivationUpdate,
  verifyCodeUpdate,
} from './enrollment.messages';
import { enrollmentWorkflow } from './enrollment.workflow';
import { FailureType } from '../../common/domain/failure-types';

/**
 * The fast workflow tier: the real enrollment workflow on the real dev server that `npm test` started, with one
 * Worker over in-memory activities (test/fakes/enrollment-activities.ts) instead of the database and providers.
 * The bundle is built and the Worker created once for the file (creating one costs seconds), and it runs with
 * runUntil for as long as the tests do. Each test is one enrollment of its own user; the tests run side by side,
 * so the file takes about as long as its slowest timer. The full stack is tested in test/e2e/.
 */

const TIMINGS: EnrollmentTimings = {
  linkTtlMs: 60_000,
  stepTimeoutMs: 60_000,
  codeTtlMs: 30_000,
  maxCodeAttempts: 3,
  blockDurationMs: 60_000,
  resendIntervalMs: 0,
};
const PHONE = '+14155552671';
// A keyed hash has the shape of 32 bytes in base64url; the workflow checks only the shape.
const PIN_HASH = 'p'.repeat(43);

type Handle = WorkflowHandle<typeof enrollmentWorkflow>;

/** Background audit writes run side by side, so tests compare what was written, not in which order. */
const sorted = (items: string[]) => [...items].sort();

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The failure type of an update that its validator (or its handler) refused. */
async function refusal(update: Promise<unknown>): Promise<string | undefined> {
  try {
    await update;
  } catch (error) {
    assert.ok(error instanceof WorkflowUpdateFailedError, String(error));
    assert.ok(error.cause instanceof ApplicationFailure, String(error.cause));
    return error.cause.type ?? undefined;
  }
  assert.fail('the update was accepted');
}

async function stepBecomes(handle: Handle, step: EnrollmentStep, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while ((await handle.query(getEnrollmentQuery)).step !== step) {
    assert.ok(Date.now() < deadline, `the enrollment never reached ${step}`);
    await pause(50);
  }
}

describe('enrollment workflow, on the dev server with in-memory activities', { concurrency: true }, () => {
  const namespace = loadTemporalSettings().namespace;
  const taskQueue = `enrollment-tier-${randomUUID()}`;
  const fakes = new InMemoryEnrollmentActivities();
  let client: Client;
  let workerConnection: NativeConnection | undefined;
  let testsDone: () => void;
  let workerStopped: Promise<void> | undefined;

  before(async () => {
    // The worker's lifecycle lines, the failures the tests inject and the late completions of activities whose
    // workflow a test terminated would drown the report.
    Runtime.install({
      logger: new DefaultLogger('ERROR'),
      telemetryOptions: { logging: { filter: { core: 'ERROR', other: 'ERROR' } } },
    });
    const address = testEnv().temporalAddress;
    let connection: Connection;
    let workflowBundle: WorkflowBundleWithSourceMap;
    [workflowBundle, workerConnection, connection] = await Promise.all([
      bundleWorkflowCode({ workflowsPath: require.resolve('../index'), logger: new DefaultLogger('ERROR') }),
      NativeConnection.connect({ address }),
      Connection.connect({ address }),
    ]);
    client = new Client({ connection, namespace });
    const worker = await Worker.create({
      connection: workerConnection,
      namespace,
      taskQueue,
      workflowBundle,
      activities: fakes.activities,
    });
    workerStopped = worker.runUntil(new Promise<void>((resolve) => (testsDone = resolve)));
  });
  after(async () => {
    testsDone?.();
    await workerStopped;
    await client?.connection.close();
    await workerConnection?.close();
  });

  /**
   * Starts one enrollment for a new user, waits for its activation email, and runs `story`. An enrollment the
   * story leaves open is terminated, so that no timer of it outlives the test. Returns what the activities did.
   */
  async function enrollment(
    story: (handle: Handle, fake: InMemoryEnrollment) => Promise<void>,
    timings: Partial<EnrollmentTimings> = {},
  ): Promise<InMemoryEnrollment> {
    const userId = randomUUID();
    const fake = fakes.of(userId);
    const handle = await client.workflow.start(enrollmentWorkflow, {
      taskQueue,
      workflowId: `enrollment-tier-${userId}`,
      args: [{ enrollmentId: randomUUID(), userId, timings: { ...TIMINGS, ...timings } }],
    });
    try {
      await fake.until(() => fake.activationEmails.length === 1, 'the activation email');
      await story(handle, fake);
    } finally {
      await handle.terminate('the test is over').catch((error: unknown) => {
        if (!(error instanceof WorkflowNotFoundError)) throw error;
      });
    }
    return fake;
  }

  async function reachCodeStep(handle: Handle, fake: InMemoryEnrollment): Promise<void> {
    assert.equal((await handle.executeUpdate(openLinkUpdate)).step, EnrollmentStep.AwaitingPhone);
    const sent = await handle.executeUpdate(requestCodeUpdate, { args: [{ phone: PHONE }] });
    assert.equal(sent.outcome, 'sent');
    assert.equal(sent.view.phoneHint, '71');
    assert.deepEqual(fake.texts, [{ phone: PHONE, codeHash: 'hash-1' }]);
  }

  it('enrolls for SMS with the right code, and texts the reset instructions', async () => {
    const fake = await enrollment(async (handle, fake) => {
      await reachCodeStep(handle, fake);
      const verified = await handle.executeUpdate(verifyCodeUpdate, { args: [{ codeHash: fake.lastCodeHash() }] });
      assert.equal(verified.outcome, 'verified');
      assert.equal(verified.view.step, EnrollmentStep.AwaitingMethod);
      const chosen = await handle.executeUpdate(chooseMethodUpdate, { args: [{ method: 'sms', pinHash: PIN_HASH }] });
      assert.equal(chosen.step, EnrollmentStep.EnrolledSms);
      assert.deepEqual(await handle.result(), { step: EnrollmentStep.EnrolledSms, method: 'sms' });
    });
    assert.equal(fake.opened, true);
    assert.deepEqual(sorted(fake.actions), [
      'activation.email_sent',
      'enrollment.code_sent',
      'enrollment.completed',
      'enrollment.link_opened',
      'enrollment.phone_verified',
    ]);
    assert.deepEqual(
      fake.completed.map(({ method, phone, pinHash }) => ({ method, phone, pinHash })),
      [{ method: 'sms', phone: PHONE, pinHash: PIN_HASH }],
    );
    assert.deepEqual(
      fake.confirmations.map(({ method, phone }) => ({ method, phone })),
      [{ method: 'sms', phone: PHONE }],
    );
    assert.deepEqual(
      fake.ownerNotices.map(({ method }) => method),
      ['sms'],
      'the owner is told a phone was set up',
    );
  });

  it('pairs for the app: the choice moves to the pairing step, texts the link, and appPaired enrolls', async () => {
    const deviceId = randomUUID();
    const fake = await enrollment(async (handle, fake) => {
      await reachCodeStep(handle, fake);
      assert.equal(await refusal(handle.executeUpdate(chooseMethodUpdate, { args: [{ method: 'app' }] })), 'WrongStep');
      await handle.executeUpdate(verifyCodeUpdate, { args: [{ codeHash: fake.lastCodeHash() }] });
      const sneaky = { method: 'push' } as unknown as { method: 'app' };
      assert.equal(await refusal(handle.executeUpdate(chooseMethodUpdate, { args: [sneaky] })), 'InvalidMethod');
      assert.equal(
        await refusal(handle.executeUpdate(chooseMethodUpdate, { args: [{ method: 'app', pinHash: '1234' }] })),
        'InvalidPinHash',
      );
      assert.equal(
        await refusal(handle.executeUpdate(appPairedUpdate, { args: [{ deviceId }] })),
        'WrongStep',
        'no device can pair before the app is chosen',
      );
      const chosen = await handle.executeUpdate(chooseMethodUpdate, { args: [{ method: 'app' }] });
      assert.equal(chosen.step, EnrollmentStep.PairingApp);
      assert.equal(
        await refusal(handle.executeUpdate(chooseMethodUpdate, { args: [{ method: 'sms' }] })),
        'WrongStep',
        'the method is chosen once',
      );
      await fake.until(() => fake.appLinks.length === 1, 'the texted pairing link');
      assert.equal(fake.completed.length, 0, 'nothing is bound before a device pairs');
      const notAnId = { deviceId: 'device-1' };
      assert.equal(await refusal(handle.executeUpdate(appPairedUpdate, { args: [notAnId] })), 'InvalidDevice');
      const paired = await handle.executeUpdate(appPairedUpdate, { args: [{ deviceId }] });
      assert.equal(paired.step, EnrollmentStep.EnrolledApp);
      assert.deepEqual(await handle.result(), { step: EnrollmentStep.EnrolledApp, method: 'app' });
    });
    assert.deepEqual(
      fake.appChoices.map(({ phone }) => phone),
      [PHONE],
    );
    assert.deepEqual(
      fake.appLinks.map(({ phone }) => phone),
      [PHONE],
    );
    assert.deepEqual(
      fake.pairings.map(({ phone, deviceId: id }) => ({ phone, id })),
      [{ phone: PHONE, id: deviceId }],
    );
    assert.deepEqual(
      fake.confirmations.map(({ method, paired }) => ({ method, paired })),
      [{ method: 'app', paired: true }],
    );
    assert.deepEqual(
      fake.ownerNotices.map(({ method }) => method),
      ['app'],
    );
  });

  it('refuses a device the pairing activity turns down, and stays at the pairing step', async () => {
    const foreign = randomUUID();
    await enrollment(async (handle, fake) => {
      fake.foreignDevices.add(foreign);
      await reachCodeStep(handle, fake);
      await handle.executeUpdate(verifyCodeUpdate, { args: [{ codeHash: fake.lastCodeHash() }] });
      await handle.executeUpdate(chooseMethodUpdate, { args: [{ method: 'app' }] });
      assert.equal(
        await refusal(handle.executeUpdate(appPairedUpdate, { args: [{ deviceId: foreign }] })),
        'DeviceNotPairable',
      );
      assert.equal((await handle.query(getEnrollmentQuery)).step, EnrollmentStep.PairingApp);
      assert.equal(fake.pairings.length, 0);
    });
  });

  it('expires when no device pairs within the step timeout, texting no confirmation', async () => {
    const fake = await enrollment(
      async (handle, fake) => {
        await reachCodeStep(handle, fake);
        await handle.executeUpdate(verifyCodeUpdate, { args: [{ codeHash: fake.lastCodeHash() }] });
        assert.equal(
          (await handle.executeUpdate(chooseMethodUpdate, { args: [{ method: 'app' }] })).step,
          EnrollmentStep.PairingApp,
        );
        assert.deepEqual(await handle.result(), { step: EnrollmentStep.Expired, method: null });
        await assert.rejects(
          handle.executeUpdate(appPairedUpdate, { args: [{ deviceId: randomUUID() }] }),
          'the ended workflow takes no update',
        );
      },
      // Each step before the pairing must also finish within it: short enough to wait for, long enough for a
      // loaded machine's update round trips (2 s expired the code step once, with the load average at 14).
      { stepTimeoutMs: 6_000 },
    );
    assert.equal(fake.userStatuses.at(-1), 'expired');
    assert.equal(fake.actions.at(-1), 'enrollment.expired');
    assert.equal(fake.confirmations.length, 0);
    assert.equal(fake.pairings.length, 0);
  });

  it('ends as cancelled when the user is deactivated at the pairing step', async () => {
    const fake = await enrollment(async (handle, fake) => {
      await reachCodeStep(handle, fake);
      await handle.executeUpdate(verifyCodeUpdate, { args: [{ codeHash: fake.lastCodeHash() }] });
      await handle.executeUpdate(chooseMethodUpdate, { args: [{ method: 'app' }] });
      await handle.signal(cancelEnrollmentSignal);
      assert.deepEqual(await handle.result(), { step: EnrollmentStep.Cancelled, method: null });
    });
    assert.equal(fake.actions.at(-1), 'enrollment.cancelled');
    assert.equal(fake.confirmations.length, 0);
    assert.equal(fake.ownerNotices.length, 0);
  });

  it('counts wrong codes down, blocks at the last, refuses even the right code, then lets the user start over', async () => {
    const fake = await enrollment(
      async (handle, fake) => {
        await reachCodeStep(handle, fake);
        const first = await handle.executeUpdate(verifyCodeUpdate, { args: [{ codeHash: 'wrong' }] });
        assert.deepEqual([first.outcome, first.outcome === 'wrong_code' && first.triesLeft], ['wrong_code', 2]);
        await handle.executeUpdate(verifyCodeUpdate, { args: [{ codeHash: 'wrong' }] });
        const third = await handle.executeUpdate(verifyCodeUpdate, { args: [{ codeHash: 'wrong' }] });
        assert.equal(third.outcome, 'blocked');
        assert.equal(third.view.step, EnrollmentStep.Blocked);
        assert.equal(
          await refusal(handle.executeUpdate(verifyCodeUpdate, { args: [{ codeHash: fake.lastCodeHash() }] })),
          'EnrollmentBlocked',
        );
        assert.equal(
          await refusal(handle.executeUpdate(requestCodeUpdate, { args: [{ phone: PHONE }] })),
          'EnrollmentBlocked',
        );
        await stepBecomes(handle, EnrollmentStep.AwaitingPhone);
        assert.equal((await handle.query(getEnrollmentQuery)).triesLeft, 3);
        await handle.executeUpdate(requestCodeUpdate, { args: [{}] });
        const verified = await handle.executeUpdate(verifyCodeUpdate, { args: [{ codeHash: fake.lastCodeHash() }] });
        assert.equal(verified.outcome, 'verified');
      },
      { blockDurationMs: 3_000 },
    );
    assert.deepEqual(fake.userStatuses, ['enrolling', 'blocked', 'enrolling']);
    assert.deepEqual(sorted(fake.actions.filter((action) => /code_rejected|blocked/.test(action))), [
      'enrollment.blocked',
      'enrollment.code_rejected',
      'enrollment.code_rejected',
      'enrollment.unblocked',
    ]);
    assert.deepEqual(
      fake.texts.map((text) => text.phone),
      [PHONE, PHONE],
      'the second code went to the number given before',
    );
  });

  it('refuses a new code within the resend interval, saying how long to wait', async () => {
    await enrollment(
      async (handle, fake) => {
        await reachCodeStep(handle, fake);
        assert.equal(await refusal(handle.executeUpdate(requestCodeUpdate, { args: [{}] })), 'ResendTooSoon');
        assert.equal(fake.texts.length, 1);
      },
      { resendIntervalMs: 60_000 },
    );
  });

  it('a resent code replaces the old one: only the newest works', async () => {
    await enrollment(async (handle, fake) => {
      await reachCodeStep(handle, fake);
      const resent = await handle.executeUpdate(requestCodeUpdate, { args: [{}] });
      assert.equal(resent.outcome, 'sent');
      assert.deepEqual(
        fake.texts.map((text) => text.phone),
        [PHONE, PHONE],
      );
      const stale = await handle.executeUpdate(verifyCodeUpdate, { args: [{ codeHash: 'hash-1' }] });
      assert.equal(stale.outcome, 'wrong_code');
      const fresh = await handle.executeUpdate(verifyCodeUpdate, { args: [{ codeHash: 'hash-2' }] });
      assert.equal(fresh.outcome, 'verified');
    });
  });

  it('says why a code could not be sent, and stays at the phone step', async () => {
    await enrollment(async (handle, fake) => {
      await handle.executeUpdate(openLinkUpdate);
      const outcomes = [];
      for (const failure of [
        FailureType.SmsLimitReached,
        FailureType.InvalidRecipientError,
        FailureType.ProviderUnavailableError,
      ] as const) {
        fake.smsFailure = failure;
        const result = await handle.executeUpdate(requestCodeUpdate, { args: [{ phone: PHONE }] });
        outcomes.push(result.outcome);
        assert.equal(result.view.step, EnrollmentStep.AwaitingPhone);
      }
      assert.deepEqual(outcomes, ['limit_reached', 'undeliverable', 'delivery_failed']);
      assert.equal((await handle.query(getEnrollmentQuery)).phoneHint, null, 'a number that got no code is not kept');
    });
  });

  it("resends the activation email at a technician's request, and says so when it cannot", async () => {
    const fake = await enrollment(async (handle, fake) => {
      assert.equal((await handle.executeUpdate(resendActivationUpdate)).step, EnrollmentStep.Invited);
      fake.emailFailure = true;
      assert.equal(await refusal(handle.executeUpdate(resendActivationUpdate)), 'ActivationEmailFailed');
      await handle.executeUpdate(openLinkUpdate);
      assert.equal(await refusal(handle.executeUpdate(resendActivationUpdate)), 'WrongStep');
    });
    assert.deepEqual(
      fake.activationEmails.map((email) => email.resend),
      [false, true],
    );
  });

  it('expires when the link is never opened', async () => {
    const fake = await enrollment(
      async (handle) => {
        assert.deepEqual(await handle.result(), { step: EnrollmentStep.Expired, method: null });
      },
      { linkTtlMs: 1_000 },
    );
    assert.deepEqual(fake.userStatuses, ['expired']);
    assert.equal(fake.actions.at(-1), 'enrollment.expired');
  });

  it('expires when the user stops half-way', async () => {
    const fake = await enrollment(
      async (handle, fake) => {
        await reachCodeStep(handle, fake);
        assert.deepEqual(await handle.result(), { step: EnrollmentStep.Expired, method: null });
      },
      { stepTimeoutMs: 3_000 },
    );
    assert.deepEqual(fake.userStatuses, ['enrolling', 'expired']);
  });

  it('refuses a code after it expires, and accepts a fresh one', async () => {
    await enrollment(
      async (handle, fake) => {
        await reachCodeStep(handle, fake);
        await pause(2_100);
        const late = await handle.executeUpdate(verifyCodeUpdate, { args: [{ codeHash: 'hash-1' }] });
        assert.equal(late.outcome, 'code_expired');
        assert.equal(late.view.triesLeft, 3);
        await handle.executeUpdate(requestCodeUpdate, { args: [{}] });
        const ok = await handle.executeUpdate(verifyCodeUpdate, { args: [{ codeHash: 'hash-2' }] });
        assert.equal(ok.outcome, 'verified');
      },
      { codeTtlMs: 2_000 },
    );
  });

  it('ends as cancelled when the user is deactivated, whatever the step', async () => {
    const fake = await enrollment(async (handle, fake) => {
      await reachCodeStep(handle, fake);
      await handle.signal(cancelEnrollmentSignal);
      assert.deepEqual(await handle.result(), { step: EnrollmentStep.Cancelled, method: null });
    });
    assert.deepEqual(fake.userStatuses, ['enrolling', 'deactivated']);
    assert.equal(fake.actions.at(-1), 'enrollment.cancelled');
    assert.equal(fake.confirmations.length, 0);
  });

  it('ends as cancelled, texting nothing, when the deactivation arrives while the completion is being written', async () => {
    const fake = await enrollment(async (handle, fake) => {
      await reachCodeStep(handle, fake);
      await handle.executeUpdate(verifyCodeUpdate, { args: [{ codeHash: fake.lastCodeHash() }] });
      let release!: () => void;
      fake.completionGate = new Promise<void>((resolve) => (release = resolve));
      const choosing = handle.executeUpdate(chooseMethodUpdate, { args: [{ method: 'sms' }] });
      await fake.until(() => fake.completed.length === 1, 'the completion to start');
      await handle.signal(cancelEnrollmentSignal);
      await stepBecomes(handle, EnrollmentStep.Cancelled);
      release();
      assert.equal((await choosing).step, EnrollmentStep.Cancelled);
      assert.deepEqual(await handle.result(), { step: EnrollmentStep.Cancelled, method: null });
    });
    assert.deepEqual(fake.userStatuses, ['enrolling', 'deactivated']);
    assert.equal(fake.actions.at(-1), 'enrollment.cancelled');
    assert.equal(fake.confirmations.length, 0);
    assert.equal(fake.ownerNotices.length, 0);
  });
});
