import {
  ActivityFailure,
  ApplicationFailure,
  allHandlersFinished,
  condition,
  log,
  patched,
  proxyActivities,
  proxyLocalActivities,
  setHandler,
  uuid4,
  workflowInfo,
} from '@temporalio/workflow';
import type { CentralActivities } from '../../activities';
import { applicationFailureOf, BACKGROUND_EMAIL, DATABASE_WRITE, INTERACTIVE_MESSAGE } from '../activity-options';
import {
  type EnrollmentInput,
  type EnrollmentMethod,
  type EnrollmentResult,
  type RequestCodeResult,
  type VerifyCodeArgs,
  type VerifyCodeResult,
  EnrollmentStep,
} from '../../common/domain/enrollment';
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
import { FailureType } from '../../common/domain/failure-types';
import { EnrollmentState, type Refusal } from './enrollment.state';

const store = proxyActivities<CentralActivities>(DATABASE_WRITE);
/** The same writes as a local activity: no round trip through the server, for the first step of every activation. */
const localStore = proxyLocalActivities<CentralActivities>(DATABASE_WRITE);
const email = proxyActivities<CentralActivities>(BACKGROUND_EMAIL);
/** The owner's notice at the end as a local activity (CLOSING_MESSAGES_LOCAL); it may still wait out an outage. */
const localEmail = proxyLocalActivities<CentralActivities>(BACKGROUND_EMAIL);
/** Texts, and a resent activation email, that someone is waiting for on screen. */
const interactive = proxyActivities<CentralActivities>(INTERACTIVE_MESSAGE);
/** The code's text as a local activity: the page waits on it, and a regular one adds two trips through the server. */
const localInteractive = proxyLocalActivities<CentralActivities>(INTERACTIVE_MESSAGE);

/**
 * The marker of runs that send the code as a local activity; runs recorded before it replay a regular one. The
 * method's write stays a regular activity: a deactivation's signal must reach the workflow while that write
 * waits, and a local activity holds the workflow task, so the signal would land only after the user was enrolled.
 */
const LOCAL_CODE_SEND = 'local-code-send';

/**
 * The marker of enrolled runs whose closing messages (the confirmation text and the owner's notice) are local
 * activities, sent together; earlier runs replay two regular ones, one after the other. Nothing waits on them and
 * no message can arrive that they would hold up: the workflow is done but for them. As regular activities they
 * cost two trips through the server each, which 25 enrollments at once felt on every page (`npm run bench`).
 */
const CLOSING_MESSAGES_LOCAL = 'closing-messages-local';

/**
 * The marker of runs whose step and audit writes that nobody waits for (the link opened, the code right or wrong)
 * are local activities; earlier runs replay regular ones. The Update's answer then waits for the write, a few
 * milliseconds, but the write no longer costs two trips through the server, which under load every page paid for.
 */
const BACKGROUND_WRITES_LOCAL = 'background-writes-local';

/**
 * The marker of enrollments whose app branch pairs a device before it ends; runs that chose the app before it
 * ended at once. Asked only inside that branch, so an SMS enrollment's history never carries it.
 */
const APP_PAIRING_STEP = 'app-pairing-step';

function reject(type: FailureType, message: string): never {
  throw ApplicationFailure.create({ type, message, nonRetryable: true });
}

/** A validator's verdict: a refusal reaches the caller as a failed update and never enters history. */
function refuseIf(refusal: Refusal | undefined): void {
  if (refusal) reject(refusal.type, refusal.message);
}

/**
 * One user's enrollment, from the activation email to "enrolled (app)" or "enrolled (SMS)". The workflow is the
 * single source of truth for which step the user is on; the web pages ask it through updates, and the
 * database holds a projection for the API and the audit log. The step rules live in EnrollmentState; this
 * function is the story: what is sent and written at each step, and what happens when a step times out.
 */
export async function enrollmentWorkflow(input: EnrollmentInput): Promise<EnrollmentResult> {
  const { enrollmentId, userId, timings } = input;
  const ref = { enrollmentId, userId };
  const state = new EnrollmentState(timings, Date.now());

  // Audit writes that a handler starts without making the user wait for them; awaited before the end.
  const background: Promise<void>[] = [];
  const backgroundStore = () => (patched(BACKGROUND_WRITES_LOCAL) ? localStore : store);
  const inBackground = (write: Promise<void>) =>
    void background.push(
      write.catch((error: unknown) => log.warn('A background audit write failed', { error: String(error) })),
    );

  setHandler(getEnrollmentQuery, () => state.view());

  setHandler(cancelEnrollmentSignal, () => state.cancel());

  setHandler(
    openLinkUpdate,
    () => {
      if (state.openLink(Date.now())) {
        inBackground(
          backgroundStore().recordEnrollmentStep({
            ...ref,
            userStatus: 'enrolling',
            enrollmentStatus: 'enrolling',
            ended: false,
            action: 'enrollment.link_opened',
            actor: 'user',
          }),
        );
      }
      return state.view();
    },
    { validator: () => refuseIf(state.refuseOpenLink()) },
  );

  setHandler(
    resendActivationUpdate,
    async () => {
      await state.exclusive(async () => {
        try {
          // A technician's request is waiting on this update, so it gives up in seconds rather than waiting out an outage.
          await interactive.sendActivationEmail({ ...ref, linkTtlMs: timings.linkTtlMs, resend: true });
          state.activationResent(Date.now());
        } catch (error) {
          if (!(error instanceof ActivityFailure)) throw error;
          reject(
            FailureType.ActivationEmailFailed,
            'The activation email could not be sent just now; try again in a few minutes',
          );
        }
      });
      return state.view();
    },
    { validator: () => refuseIf(state.refuseActivationResend()) },
  );

  setHandler(
    requestCodeUpdate,
    ({ phone: newPhone }): Promise<RequestCodeResult> =>
      state.exclusive(async () => {
        try {
          const target = state.codeRecipient(newPhone);
          const send = patched(LOCAL_CODE_SEND) ? localInteractive : interactive;
          const sent = await send.sendVerificationCode({
            ...ref,
            phone: target,
            nonce: uuid4(),
            codeTtlMs: timings.codeTtlMs,
          });
          state.codeSent(target, sent.codeHash, Date.now());
          return { outcome: 'sent', view: state.view() };
        } catch (error) {
          const failure = applicationFailureOf(error);
          if (failure?.type === FailureType.SmsLimitReached)
            return { outcome: 'limit_reached', message: failure.message, view: state.view() };
          if (failure?.type === FailureType.InvalidRecipientError) {
            return {
              outcome: 'undeliverable',
              message: 'We could not send a text to that number. Check that it is a cell phone that can receive texts.',
              view: state.view(),
            };
          }
          return {
            outcome: 'delivery_failed',
            message: 'We could not send the text just now. Please try again in a minute.',
            view: state.view(),
          };
        }
      }),
    { validator: ({ phone: newPhone }) => refuseIf(state.refuseCodeRequest(newPhone, Date.now())) },
  );

  const verifyCode = async ({ codeHash: submitted }: VerifyCodeArgs): Promise<VerifyCodeResult> => {
    const check = state.checkCode(submitted, Date.now());
    switch (check.outcome) {
      case 'code_expired':
        return { outcome: 'code_expired', view: state.view() };
      case 'verified':
        inBackground(backgroundStore().recordAudit({ ...ref, action: 'enrollment.phone_verified' }));
        return { outcome: 'verified', view: state.view() };
      case 'wrong_code':
        inBackground(
          backgroundStore().recordAudit({
            ...ref,
            action: 'enrollment.code_rejected',
            detail: { triesLeft: check.triesLeft },
          }),
        );
        return { outcome: 'wrong_code', triesLeft: check.triesLeft, view: state.view() };
      case 'blocked':
        await store.recordEnrollmentStep({
          ...ref,
          userStatus: 'blocked',
          enrollmentStatus: 'blocked',
          ended: false,
          action: 'enrollment.blocked',
          detail: { failedAttempts: check.failedAttempts, blockedUntil: new Date(check.blockedUntil).toISOString() },
        });
        return { outcome: 'blocked', blockedUntil: check.blockedUntil, view: state.view() };
    }
  };
  setHandler(verifyCodeUpdate, verifyCode, {
    validator: (_args: VerifyCodeArgs): void => refuseIf(state.refuseCodeCheck()),
  });

  setHandler(
    chooseMethodUpdate,
    async ({ method: chosen, pinHash }) => {
      await state.exclusive(async () => {
        if (chosen === 'app' && patched(APP_PAIRING_STEP)) {
          await store.chooseAppMethod({ ...ref, phone: state.phone! });
          if (state.cancelled) return;
          state.appChosen(pinHash, Date.now());
          // The done page shows the QR code at once; the texted link is the other way in, and may lag a little.
          inBackground(interactive.sendAppPairingLink({ ...ref, phone: state.phone! }));
          return;
        }
        await store.completeEnrollment({ ...ref, method: chosen, phone: state.phone!, pinHash });
        // A deactivation that arrived while the activity ran wins: the enrollment ends cancelled, and no
        // confirmation is texted. patched() is asked only in that race, so that no other history changes.
        if (!(state.cancelled && patched('no-enrolled-after-cancel'))) state.enrolled(chosen, Date.now());
      });
      return state.view();
    },
    { validator: ({ method: chosen, pinHash }) => refuseIf(state.refuseMethod(chosen, pinHash)) },
  );

  setHandler(
    appPairedUpdate,
    async ({ deviceId }) => {
      await state.exclusive(async () => {
        try {
          await store.completeAppPairing({ ...ref, phone: state.phone!, pinHash: state.pinHash, deviceId });
        } catch (error) {
          const failure = applicationFailureOf(error);
          if (!failure) throw error;
          reject(FailureType.DeviceNotPairable, 'That device cannot finish this enrollment');
        }
        // Only runs with the pairing step get here, so a deactivation that raced the write wins with no patch.
        if (!state.cancelled) state.enrolled('app', Date.now());
      });
      return state.view();
    },
    { validator: ({ deviceId }) => refuseIf(state.refuseAppPaired(deviceId)) },
  );

  // Histories recorded before this change ran openEnrollment as a regular activity; they replay that branch.
  const opening = { ...ref, workflowId: workflowInfo().workflowId };
  if (patched('open-enrollment-locally')) await localStore.openEnrollment(opening);
  else await store.openEnrollment(opening);
  await email.sendActivationEmail({ ...ref, linkTtlMs: timings.linkTtlMs, resend: false });

  // Each turn waits for a message's change or for the current step's deadline, whichever comes first.
  while (!state.finished) {
    const seen = state.revision;
    const changed = await condition(() => state.cancelled || state.revision !== seen, state.timeLeft(Date.now()));
    if (state.cancelled) {
      state.close();
    } else if (changed) {
      continue;
    } else if (state.busy) {
      // A handler is mid-activity; let it finish before judging the deadline.
      await condition(() => !state.busy);
    } else if (state.deadlinePassed(Date.now()) === 'unblocked') {
      await store.recordEnrollmentStep({
        ...ref,
        userStatus: 'enrolling',
        enrollmentStatus: 'enrolling',
        ended: false,
        action: 'enrollment.unblocked',
      });
    }
  }

  await condition(allHandlersFinished);
  await Promise.all(background);
  const final = state.step;
  if (final === EnrollmentStep.Expired || final === EnrollmentStep.Cancelled) {
    const expired = final === EnrollmentStep.Expired;
    await store.recordEnrollmentStep({
      ...ref,
      userStatus: expired ? 'expired' : 'deactivated',
      enrollmentStatus: expired ? 'expired' : 'cancelled',
      ended: true,
      action: expired ? 'enrollment.expired' : 'enrollment.cancelled',
    });
    return { step: final, method: null };
  }
  const method: EnrollmentMethod = final === EnrollmentStep.EnrolledApp ? 'app' : 'sms';
  const paired = state.pairedWithApp ? { paired: true } : {};
  const confirmation = { userId, phone: state.phone!, method, ...paired };
  const noticeFailed = (error: unknown) =>
    log.warn("The owner's enrollment notice could not be sent", { error: String(error) });
  if (patched(CLOSING_MESSAGES_LOCAL)) {
    // The owner hears of every phone set up on their account (F5).
    await Promise.all([
      localInteractive.sendEnrollmentConfirmation(confirmation).catch(() => undefined),
      localEmail.notifyOwnerOfEnrollment({ ...ref, method }).catch(noticeFailed),
    ]);
    return { step: final, method };
  }
  await interactive.sendEnrollmentConfirmation(confirmation).catch(() => undefined);
  // Runs recorded before the owner's notice ended here.
  if (patched('owner-enrollment-notice')) await email.notifyOwnerOfEnrollment({ ...ref, method }).catch(noticeFailed);
  return { step: final, method };
}
