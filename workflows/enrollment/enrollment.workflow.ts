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
  type ChooseMethodArgs,
  type EnrollmentInput,
  type EnrollmentMethod,
  type EnrollmentResult,
  type EnrollmentView,
  type RequestCodeArgs,
  type RequestCodeResult,
  type VerifyCodeArgs,
  type VerifyCodeResult,
  EnrollmentStep,
  FINAL_STEPS,
} from '../enrollment.types';
import {
  cancelEnrollmentSignal,
  chooseMethodUpdate,
  getEnrollmentQuery,
  openLinkUpdate,
  requestCodeUpdate,
  resendActivationUpdate,
  verifyCodeUpdate,
} from './enrollment.messages';

const store = proxyActivities<CentralActivities>(DATABASE_WRITE);
/** The same writes as a local activity: no round trip through the server, for the first step of every activation. */
const localStore = proxyLocalActivities<CentralActivities>(DATABASE_WRITE);
const email = proxyActivities<CentralActivities>(BACKGROUND_EMAIL);
/** Texts, and a resent activation email, that someone is waiting for on screen. */
const interactive = proxyActivities<CentralActivities>(INTERACTIVE_MESSAGE);

function reject(type: string, message: string): never {
  throw ApplicationFailure.create({ type, message, nonRetryable: true });
}

/**
 * One user's enrollment, from the activation email to "enrolled (app)" or "enrolled (SMS)". The workflow is the
 * single source of truth for which step the user is on; the web pages ask it through updates, and the
 * database holds a projection for the API and the audit log.
 */
export async function enrollmentWorkflow(input: EnrollmentInput): Promise<EnrollmentResult> {
  const { enrollmentId, userId, timings } = input;
  const ref = { enrollmentId, userId };

  let step = EnrollmentStep.Invited as EnrollmentStep;
  // Handlers change `step` between awaits; reading it through a function keeps TypeScript from over-narrowing.
  const currentStep = () => step;
  let deadline = Date.now() + timings.linkTtlMs;
  let phone: string | null = null;
  let codeHash: string | null = null;
  let codeExpiresAt: number | null = null;
  let lastCodeSentAt: number | null = null;
  let failedAttempts = 0;
  let blockedUntil: number | null = null;
  let cancelled = false;
  let busy = false;
  // Audit writes that a handler starts without making the user wait for them; awaited before the end.
  const background: Promise<void>[] = [];
  const inBackground = (write: Promise<void>) =>
    void background.push(
      write.catch((error: unknown) => log.warn('A background audit write failed', { error: String(error) })),
    );
  // Bumped on every change a handler makes, so the main loop wakes and recomputes its deadline.
  let revision = 0;

  const view = (): EnrollmentView => ({
    step,
    phoneHint: phone ? phone.slice(-2) : null,
    codeExpiresAt,
    resendAvailableAt: lastCodeSentAt === null ? null : lastCodeSentAt + timings.resendIntervalMs,
    triesLeft: timings.maxCodeAttempts - failedAttempts,
    blockedUntil,
  });

  const moveTo = (next: EnrollmentStep, timeoutMs: number) => {
    step = next;
    deadline = Date.now() + timeoutMs;
    revision++;
  };

  const requireStep = (allowed: EnrollmentStep[], action: string) => {
    if (step === EnrollmentStep.Blocked) {
      reject('EnrollmentBlocked', `Too many wrong codes. Try again after ${new Date(blockedUntil ?? 0).toISOString()}`);
    }
    if (FINAL_STEPS.includes(step)) reject('EnrollmentClosed', `This enrollment is already ${step.replace('_', ' ')}`);
    if (!allowed.includes(step)) reject('WrongStep', `Cannot ${action} now: the enrollment is at step "${step}"`);
    if (busy) reject('Busy', 'The previous request is still being processed; try again in a moment');
  };

  setHandler(getEnrollmentQuery, view);

  setHandler(cancelEnrollmentSignal, () => {
    cancelled = true;
    revision++;
  });

  setHandler(
    openLinkUpdate,
    () => {
      if (step === EnrollmentStep.Invited) {
        moveTo(EnrollmentStep.AwaitingPhone, timings.stepTimeoutMs);
        inBackground(
          store.recordEnrollmentStep({
            ...ref,
            userStatus: 'enrolling',
            enrollmentStatus: 'enrolling',
            ended: false,
            action: 'enrollment.link_opened',
          }),
        );
      }
      return view();
    },
    { validator: () => requireStep([EnrollmentStep.Invited, EnrollmentStep.AwaitingPhone], 'open the link') },
  );

  setHandler(
    resendActivationUpdate,
    async () => {
      busy = true;
      try {
        // A technician's request is waiting on this update, so it gives up in seconds rather than waiting out an outage.
        await interactive.sendActivationEmail({ ...ref, linkTtlMs: timings.linkTtlMs, resend: true });
        moveTo(EnrollmentStep.Invited, timings.linkTtlMs);
      } catch (error) {
        if (!(error instanceof ActivityFailure)) throw error;
        reject('ActivationEmailFailed', 'The activation email could not be sent just now; try again in a few minutes');
      } finally {
        busy = false;
      }
      return view();
    },
    { validator: () => requireStep([EnrollmentStep.Invited], 'resend the activation email') },
  );

  setHandler(
    requestCodeUpdate,
    async ({ phone: newPhone }): Promise<RequestCodeResult> => {
      busy = true;
      try {
        const target = newPhone ?? phone!;
        const sent = await interactive.sendVerificationCode({
          ...ref,
          phone: target,
          nonce: uuid4(),
          codeTtlMs: timings.codeTtlMs,
        });
        phone = target;
        codeHash = sent.codeHash;
        lastCodeSentAt = Date.now();
        codeExpiresAt = lastCodeSentAt + timings.codeTtlMs;
        moveTo(EnrollmentStep.AwaitingCode, timings.stepTimeoutMs);
        return { outcome: 'sent', view: view() };
      } catch (error) {
        const failure = applicationFailureOf(error);
        if (failure?.type === 'SmsLimitReached')
          return { outcome: 'limit_reached', message: failure.message, view: view() };
        if (failure?.type === 'InvalidRecipientError') {
          return {
            outcome: 'undeliverable',
            message: 'We could not send a text to that number. Check that it is a cell phone that can receive texts.',
            view: view(),
          };
        }
        return {
          outcome: 'delivery_failed',
          message: 'We could not send the text just now. Please try again in a minute.',
          view: view(),
        };
      } finally {
        busy = false;
      }
    },
    {
      validator: ({ phone: newPhone }) => {
        requireStep([EnrollmentStep.AwaitingPhone, EnrollmentStep.AwaitingCode], 'send a code');
        if (!newPhone && !phone) reject('PhoneRequired', 'Enter your cell number first');
        if (lastCodeSentAt !== null && Date.now() < lastCodeSentAt + timings.resendIntervalMs) {
          const seconds = Math.ceil((lastCodeSentAt + timings.resendIntervalMs - Date.now()) / 1000);
          reject('ResendTooSoon', `Please wait ${seconds} seconds before asking for another code`);
        }
      },
    },
  );

  const verifyCode = async ({ codeHash: submitted }: VerifyCodeArgs): Promise<VerifyCodeResult> => {
    if (codeExpiresAt === null || Date.now() >= codeExpiresAt) {
      codeHash = null;
      revision++;
      return { outcome: 'code_expired', view: view() };
    }
    if (submitted === codeHash) {
      codeHash = null;
      codeExpiresAt = null;
      moveTo(EnrollmentStep.AwaitingMethod, timings.stepTimeoutMs);
      inBackground(store.recordAudit({ ...ref, action: 'enrollment.phone_verified' }));
      return { outcome: 'verified', view: view() };
    }
    failedAttempts++;
    if (failedAttempts < timings.maxCodeAttempts) {
      revision++;
      inBackground(
        store.recordAudit({
          ...ref,
          action: 'enrollment.code_rejected',
          detail: { triesLeft: timings.maxCodeAttempts - failedAttempts },
        }),
      );
      return { outcome: 'wrong_code', triesLeft: timings.maxCodeAttempts - failedAttempts, view: view() };
    }
    codeHash = null;
    codeExpiresAt = null;
    const until = Date.now() + timings.blockDurationMs;
    blockedUntil = until;
    moveTo(EnrollmentStep.Blocked, timings.blockDurationMs);
    await store.recordEnrollmentStep({
      ...ref,
      userStatus: 'blocked',
      enrollmentStatus: 'blocked',
      ended: false,
      action: 'enrollment.blocked',
      detail: { failedAttempts, blockedUntil: new Date(until).toISOString() },
    });
    return { outcome: 'blocked', blockedUntil: until, view: view() };
  };
  setHandler(verifyCodeUpdate, verifyCode, {
    validator: (_args: VerifyCodeArgs): void => {
      requireStep([EnrollmentStep.AwaitingCode], 'check a code');
    },
  });

  setHandler(
    chooseMethodUpdate,
    async ({ method: chosen, pinHash }) => {
      busy = true;
      try {
        await store.completeEnrollment({ ...ref, method: chosen, phone: phone!, pinHash });
        moveTo(chosen === 'app' ? EnrollmentStep.EnrolledApp : EnrollmentStep.EnrolledSms, 0);
      } finally {
        busy = false;
      }
      return view();
    },
    {
      validator: ({ method: chosen, pinHash }) => {
        requireStep([EnrollmentStep.AwaitingMethod], 'choose a method');
        if (chosen !== 'app' && chosen !== 'sms') reject('InvalidMethod', 'Choose "app" or "sms"');
        // A keyed hash is 43 base64url characters; anything else could be a PIN sent in clear by mistake.
        if (pinHash !== undefined && (typeof pinHash !== 'string' || !/^[A-Za-z0-9_-]{43}$/.test(pinHash))) {
          reject('InvalidPinHash', 'The PIN must be sent as its keyed hash');
        }
      },
    },
  );

  // Histories recorded before this change ran openEnrollment as a regular activity; they replay that branch.
  const opening = { ...ref, workflowId: workflowInfo().workflowId };
  if (patched('open-enrollment-locally')) await localStore.openEnrollment(opening);
  else await store.openEnrollment(opening);
  await email.sendActivationEmail({ ...ref, linkTtlMs: timings.linkTtlMs, resend: false });

  while (!FINAL_STEPS.includes(step)) {
    const seen = revision;
    const changed = await condition(() => cancelled || revision !== seen, Math.max(deadline - Date.now(), 1));
    if (cancelled) {
      step = EnrollmentStep.Cancelled;
    } else if (changed) {
      continue;
    } else if (busy) {
      // A handler is mid-activity; let it finish before judging the deadline.
      await condition(() => !busy);
    } else if (currentStep() === EnrollmentStep.Blocked) {
      failedAttempts = 0;
      blockedUntil = null;
      moveTo(EnrollmentStep.AwaitingPhone, timings.stepTimeoutMs);
      await store.recordEnrollmentStep({
        ...ref,
        userStatus: 'enrolling',
        enrollmentStatus: 'enrolling',
        ended: false,
        action: 'enrollment.unblocked',
      });
    } else {
      step = EnrollmentStep.Expired;
    }
  }

  await condition(allHandlersFinished);
  await Promise.all(background);
  const final = currentStep();
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
  await interactive.sendEnrollmentConfirmation({ userId, phone: phone!, method }).catch(() => undefined);
  return { step: final, method };
}
