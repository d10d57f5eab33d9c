import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { EnrollmentStep, type EnrollmentTimings } from '../../common/domain/enrollment';
import { EnrollmentState } from './enrollment.state';

const TIMINGS: EnrollmentTimings = {
  linkTtlMs: 10_000,
  stepTimeoutMs: 5_000,
  codeTtlMs: 3_000,
  maxCodeAttempts: 3,
  blockDurationMs: 60_000,
  resendIntervalMs: 1_000,
};
const T0 = Date.UTC(2026, 0, 1);
const PHONE = '+14155552671';

/** A state at the code step: link opened at T0, a code with hash "right" sent at T0 + 100. */
function atCodeStep(timings: Partial<EnrollmentTimings> = {}) {
  const state = new EnrollmentState({ ...TIMINGS, ...timings }, T0);
  state.openLink(T0);
  state.codeSent(PHONE, 'right', T0 + 100);
  return state;
}

describe('enrollment state: steps and deadlines', () => {
  it('starts invited, with the link lifetime as its deadline', () => {
    const state = new EnrollmentState(TIMINGS, T0);
    assert.equal(state.step, EnrollmentStep.Invited);
    assert.equal(state.deadline, T0 + TIMINGS.linkTtlMs);
    assert.equal(state.finished, false);
    assert.deepEqual(state.view(), {
      step: EnrollmentStep.Invited,
      phoneHint: null,
      codeExpiresAt: null,
      resendAvailableAt: null,
      triesLeft: 3,
      blockedUntil: null,
    });
  });

  it('opens the link once; a second open changes nothing', () => {
    const state = new EnrollmentState(TIMINGS, T0);
    assert.equal(state.openLink(T0 + 1_000), true);
    assert.equal(state.step, EnrollmentStep.AwaitingPhone);
    assert.equal(state.deadline, T0 + 1_000 + TIMINGS.stepTimeoutMs);
    const revision = state.revision;
    assert.equal(state.openLink(T0 + 2_000), false);
    assert.equal(state.revision, revision);
    assert.equal(state.deadline, T0 + 1_000 + TIMINGS.stepTimeoutMs);
  });

  it('waits at the pairing step for a device, with its own deadline, refusing everything but appPaired', () => {
    const state = atCodeStep();
    state.checkCode('right', T0 + 200);
    state.appChosen('h'.repeat(43), T0 + 300);
    assert.equal(state.step, EnrollmentStep.PairingApp);
    assert.equal(state.deadline, T0 + 300 + TIMINGS.stepTimeoutMs);
    assert.equal(state.finished, false);
    assert.equal(state.pinHash, 'h'.repeat(43));
    assert.equal(state.refuseMethod('sms', undefined)?.type, 'WrongStep');
    assert.equal(state.refuseCodeRequest(undefined, T0 + 400)?.type, 'WrongStep');
    assert.equal(state.refuseAppPaired('not-a-uuid')?.type, 'InvalidDevice');
    assert.equal(state.refuseAppPaired(42)?.type, 'InvalidDevice');
    assert.equal(state.refuseAppPaired('0b8a3c1e-4f7d-4a8e-9c2b-1d2e3f4a5b6c'), undefined);
    assert.equal(state.pairedWithApp, false, 'not until a device pairs');
    state.enrolled('app', T0 + 500);
    assert.equal(state.step, EnrollmentStep.EnrolledApp);
    assert.equal(state.pairedWithApp, true);
    assert.equal(state.refuseAppPaired('0b8a3c1e-4f7d-4a8e-9c2b-1d2e3f4a5b6c')?.type, 'EnrollmentClosed');
  });

  it('refuses appPaired at every step before the pairing step, and expires the pairing step at its deadline', () => {
    const state = atCodeStep();
    assert.equal(state.refuseAppPaired('0b8a3c1e-4f7d-4a8e-9c2b-1d2e3f4a5b6c')?.type, 'WrongStep');
    state.checkCode('right', T0 + 200);
    assert.equal(state.refuseAppPaired('0b8a3c1e-4f7d-4a8e-9c2b-1d2e3f4a5b6c')?.type, 'WrongStep');
    state.appChosen(undefined, T0 + 300);
    assert.equal(state.deadlinePassed(T0 + 300 + TIMINGS.stepTimeoutMs), 'expired');
    assert.equal(state.step, EnrollmentStep.Expired);
    assert.equal(state.refuseAppPaired('0b8a3c1e-4f7d-4a8e-9c2b-1d2e3f4a5b6c')?.type, 'EnrollmentClosed');
  });

  it('walks to enrolled by app or by SMS, which are final', () => {
    for (const [method, step] of [
      ['app', EnrollmentStep.EnrolledApp],
      ['sms', EnrollmentStep.EnrolledSms],
    ] as const) {
      const state = atCodeStep();
      assert.equal(state.step, EnrollmentStep.AwaitingCode);
      assert.deepEqual(state.checkCode('right', T0 + 200), { outcome: 'verified' });
      assert.equal(state.step, EnrollmentStep.AwaitingMethod);
      assert.equal(state.refuseMethod(method, undefined), undefined);
      state.enrolled(method, T0 + 300);
      assert.equal(state.step, step);
      assert.equal(state.finished, true);
      assert.equal(state.phone, PHONE);
      assert.equal(state.refuseOpenLink()?.type, 'EnrollmentClosed');
    }
  });

  it('expires at the deadline of any step but a block', () => {
    const state = new EnrollmentState(TIMINGS, T0);
    state.openLink(T0);
    assert.equal(state.deadlinePassed(T0 + TIMINGS.stepTimeoutMs), 'expired');
    assert.equal(state.step, EnrollmentStep.Expired);
    assert.equal(state.finished, true);
    assert.equal(state.refuseOpenLink()?.message, 'This enrollment is already expired');
  });

  it('a resent activation email puts the user back to invited with a fresh link lifetime', () => {
    const state = new EnrollmentState(TIMINGS, T0);
    assert.equal(state.refuseActivationResend(), undefined);
    state.activationResent(T0 + 4_000);
    assert.equal(state.step, EnrollmentStep.Invited);
    assert.equal(state.deadline, T0 + 4_000 + TIMINGS.linkTtlMs);
    state.openLink(T0 + 5_000);
    assert.equal(state.refuseActivationResend()?.type, 'WrongStep');
  });

  it('cancels at any step, ending with "cancelled" once the loop closes it', () => {
    const state = atCodeStep();
    const revision = state.revision;
    state.cancel();
    assert.equal(state.cancelled, true);
    assert.ok(state.revision > revision);
    state.close();
    assert.equal(state.step, EnrollmentStep.Cancelled);
    assert.equal(state.finished, true);
  });

  it('refuses every message once cancelled, even before the loop closes the step (F15)', () => {
    const state = atCodeStep();
    assert.equal(state.checkCode('right', T0 + 200).outcome, 'verified');
    assert.equal(state.refuseMethod('sms', undefined), undefined);
    state.cancel();
    assert.equal(state.step, EnrollmentStep.AwaitingMethod, 'the loop has not run yet');
    assert.equal(state.refuseMethod('sms', undefined)?.type, 'EnrollmentClosed');
    assert.equal(state.refuseCodeRequest(PHONE, T0 + 5_000)?.type, 'EnrollmentClosed');
    assert.equal(state.refuseOpenLink()?.type, 'EnrollmentClosed');
  });

  it('never hands a condition a zero timeout, even after the deadline', () => {
    const state = new EnrollmentState(TIMINGS, T0);
    assert.equal(state.timeLeft(T0 + 1), TIMINGS.linkTtlMs - 1);
    assert.equal(state.timeLeft(T0 + TIMINGS.linkTtlMs + 5), 1);
  });
});

describe('enrollment state: validators', () => {
  it('names the step an action is refused at', () => {
    const state = new EnrollmentState(TIMINGS, T0);
    assert.deepEqual(state.refuseCodeCheck(), {
      type: 'WrongStep',
      message: 'Cannot check a code now: the enrollment is at step "invited"',
    });
    assert.equal(state.refuseCodeRequest(PHONE, T0)?.type, 'WrongStep');
    assert.equal(state.refuseMethod('app', undefined)?.type, 'WrongStep');
    assert.equal(state.refuseOpenLink(), undefined);
  });

  it('refuses every message while a handler is busy, and accepts again once it is done', async () => {
    const state = new EnrollmentState(TIMINGS, T0);
    state.openLink(T0);
    let release!: () => void;
    const work = state.exclusive(() => new Promise<void>((resolve) => (release = resolve)));
    assert.equal(state.busy, true);
    assert.equal(state.refuseCodeRequest(PHONE, T0)?.type, 'Busy');
    assert.equal(state.refuseOpenLink()?.type, 'Busy');
    release();
    await work;
    assert.equal(state.busy, false);
    assert.equal(state.refuseCodeRequest(PHONE, T0), undefined);
  });

  it('lowers the busy flag when the work fails', async () => {
    const state = new EnrollmentState(TIMINGS, T0);
    await assert.rejects(
      state.exclusive(() => Promise.reject(new Error('activity failed'))),
      /activity failed/,
    );
    assert.equal(state.busy, false);
  });

  it('asks for a phone number before the first code, and reuses it after', () => {
    const state = new EnrollmentState(TIMINGS, T0);
    state.openLink(T0);
    assert.equal(state.refuseCodeRequest(undefined, T0)?.type, 'PhoneRequired');
    state.codeSent(PHONE, 'h', T0);
    assert.equal(state.codeRecipient(undefined), PHONE);
    assert.equal(state.codeRecipient('+447911123456'), '+447911123456');
  });

  it('accepts a method of "app" or "sms" only, and a PIN only as a keyed hash', () => {
    const state = atCodeStep();
    state.checkCode('right', T0 + 200);
    assert.equal(state.refuseMethod('push', undefined)?.type, 'InvalidMethod');
    assert.equal(state.refuseMethod('sms', '1234')?.type, 'InvalidPinHash');
    assert.equal(state.refuseMethod('sms', 42)?.type, 'InvalidPinHash');
    assert.equal(state.refuseMethod('sms', 'a'.repeat(43)), undefined);
  });
});

describe('enrollment state: codes, resends and blocking', () => {
  it('shows the code expiry, the resend time and the last two digits', () => {
    const view = atCodeStep().view();
    assert.equal(view.step, EnrollmentStep.AwaitingCode);
    assert.equal(view.phoneHint, '71');
    assert.equal(view.codeExpiresAt, T0 + 100 + TIMINGS.codeTtlMs);
    assert.equal(view.resendAvailableAt, T0 + 100 + TIMINGS.resendIntervalMs);
  });

  it('refuses a resend within the interval, saying how long to wait, and allows it after', () => {
    const state = atCodeStep();
    assert.deepEqual(state.refuseCodeRequest(undefined, T0 + 200), {
      type: 'ResendTooSoon',
      message: 'Please wait 1 seconds before asking for another code',
    });
    assert.equal(state.refuseCodeRequest(undefined, T0 + 100 + TIMINGS.resendIntervalMs), undefined);
  });

  it('a resent code replaces the old one', () => {
    const state = atCodeStep();
    state.codeSent(PHONE, 'newer', T0 + 2_000);
    assert.deepEqual(state.checkCode('right', T0 + 2_100), { outcome: 'wrong_code', triesLeft: 2 });
    assert.deepEqual(state.checkCode('newer', T0 + 2_200), { outcome: 'verified' });
  });

  it('counts wrong codes down, then blocks until the block duration has passed', () => {
    const state = atCodeStep();
    assert.deepEqual(state.checkCode('wrong', T0 + 200), { outcome: 'wrong_code', triesLeft: 2 });
    assert.equal(state.view().triesLeft, 2);
    assert.deepEqual(state.checkCode('wrong', T0 + 300), { outcome: 'wrong_code', triesLeft: 1 });
    assert.deepEqual(state.checkCode('wrong', T0 + 400), {
      outcome: 'blocked',
      blockedUntil: T0 + 400 + TIMINGS.blockDurationMs,
      failedAttempts: 3,
    });
    assert.equal(state.step, EnrollmentStep.Blocked);
    assert.equal(state.deadline, T0 + 400 + TIMINGS.blockDurationMs);
    assert.equal(state.finished, false);
    assert.deepEqual(state.refuseCodeCheck(), {
      type: 'EnrollmentBlocked',
      message: `Too many wrong codes. Try again after ${new Date(T0 + 400 + TIMINGS.blockDurationMs).toISOString()}`,
    });
    assert.equal(state.refuseCodeRequest(PHONE, T0 + 5_000)?.type, 'EnrollmentBlocked');
    assert.equal(state.view().triesLeft, 0);
  });

  it('lets a blocked user start over at the phone step, with every try back', () => {
    const state = atCodeStep({ maxCodeAttempts: 1 });
    assert.equal(state.checkCode('wrong', T0 + 200).outcome, 'blocked');
    assert.equal(state.deadlinePassed(T0 + 200 + TIMINGS.blockDurationMs), 'unblocked');
    assert.equal(state.step, EnrollmentStep.AwaitingPhone);
    assert.equal(state.deadline, T0 + 200 + TIMINGS.blockDurationMs + TIMINGS.stepTimeoutMs);
    assert.equal(state.view().triesLeft, 1);
    assert.equal(state.view().blockedUntil, null);
    // The blocked code is gone: only a new one can verify.
    state.codeSent(PHONE, 'fresh', T0 + 70_000);
    assert.deepEqual(state.checkCode('right', T0 + 70_100), {
      outcome: 'blocked',
      blockedUntil: T0 + 70_100 + TIMINGS.blockDurationMs,
      failedAttempts: 1,
    });
  });

  it('refuses a code once it has expired, and lets the user ask for a fresh one', () => {
    const state = atCodeStep();
    const expiresAt = T0 + 100 + TIMINGS.codeTtlMs;
    assert.deepEqual(state.checkCode('right', expiresAt), { outcome: 'code_expired' });
    assert.equal(state.step, EnrollmentStep.AwaitingCode);
    assert.equal(state.view().triesLeft, 3, 'an expired code costs no try');
    assert.equal(state.refuseCodeRequest(undefined, expiresAt), undefined);
  });

  it('bumps the revision on every change the main loop must see, and only then', () => {
    const state = new EnrollmentState(TIMINGS, T0);
    const revisions = [state.revision];
    const note = () => revisions.push(state.revision);
    state.openLink(T0);
    note();
    state.refuseCodeRequest(PHONE, T0);
    state.view();
    note();
    state.codeSent(PHONE, 'right', T0);
    note();
    state.checkCode('wrong', T0 + 1);
    note();
    state.checkCode('right', T0 + TIMINGS.codeTtlMs);
    note();
    state.cancel();
    note();
    assert.deepEqual(revisions, [0, 1, 1, 2, 3, 4, 5]);
  });
});
