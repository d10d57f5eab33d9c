import { ApplicationFailure } from '@temporalio/common';
import type { CentralActivities } from '../../activities';
import { FailureType } from '../../common/domain/failure-types';

/** The activities the enrollment workflow calls, by their real names and signatures. */
export type EnrollmentActivities = Pick<
  CentralActivities,
  | 'openEnrollment'
  | 'recordEnrollmentStep'
  | 'recordAudit'
  | 'completeEnrollment'
  | 'chooseAppMethod'
  | 'sendAppPairingLink'
  | 'completeAppPairing'
  | 'sendActivationEmail'
  | 'sendVerificationCode'
  | 'sendEnrollmentConfirmation'
  | 'notifyOwnerOfEnrollment'
>;

type Input<Name extends keyof EnrollmentActivities> = Parameters<EnrollmentActivities[Name]>[0];

/** An ApplicationFailure type the next texts fail with, as the real provider adapters would raise it. */
export type InjectedSmsFailure =
  | typeof FailureType.SmsLimitReached
  | typeof FailureType.InvalidRecipientError
  | typeof FailureType.ProviderUnavailableError;

/** What the activities did for one user: the rows, audit entries and messages the real ones would have written. */
export class InMemoryEnrollment {
  opened = false;
  /** Audit actions in the order the activities ran; background writes may overtake each other. */
  readonly actions: string[] = [];
  /** Every status the user's projection was set to. */
  readonly userStatuses: string[] = [];
  readonly activationEmails: Input<'sendActivationEmail'>[] = [];
  /** A texted code is represented by its hash alone (`hash-<n>`): all the workflow ever sees of it. */
  readonly texts: Array<{ phone: string; codeHash: string }> = [];
  readonly completed: Input<'completeEnrollment'>[] = [];
  /** Choices of the app, texted pairing links and finished pairings, in order. */
  readonly appChoices: Input<'chooseAppMethod'>[] = [];
  readonly appLinks: Input<'sendAppPairingLink'>[] = [];
  readonly pairings: Input<'completeAppPairing'>[] = [];
  /** Device ids completeAppPairing refuses, as the real one refuses another user's or a revoked device. */
  readonly foreignDevices = new Set<string>();
  readonly confirmations: Input<'sendEnrollmentConfirmation'>[] = [];
  /** The owner's "a phone was set up" emails. */
  readonly ownerNotices: Input<'notifyOwnerOfEnrollment'>[] = [];
  smsFailure: InjectedSmsFailure | null = null;
  /** While set, completeEnrollment waits for it after recording the call: a test's window to race it. */
  completionGate: Promise<void> | null = null;
  emailFailure = false;

  /** The hash of the code most recently texted: what the page sends for a correctly typed code. */
  lastCodeHash(): string {
    const last = this.texts.at(-1);
    if (!last) throw new Error('no code has been texted yet');
    return last.codeHash;
  }

  /** Resolves once `ready` holds, polling: the activities run on the worker, outside the test's await chain. */
  async until(ready: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!ready()) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
}

/**
 * In-memory stand-ins for the enrollment workflow's activities, for the fast workflow tier: the workflow and the
 * Temporal server are real, the database and the providers are replaced by one InMemoryEnrollment per user. One
 * object serves a worker that many tests share, so each test reads only its own user's record.
 */
export class InMemoryEnrollmentActivities {
  readonly #byUser = new Map<string, InMemoryEnrollment>();

  /** The record of one user's enrollment, created on first use (a test may set failures before starting). */
  of(userId: string): InMemoryEnrollment {
    let record = this.#byUser.get(userId);
    if (!record) this.#byUser.set(userId, (record = new InMemoryEnrollment()));
    return record;
  }

  /** The object a Worker is given. */
  readonly activities: EnrollmentActivities = {
    openEnrollment: async (input) => {
      this.of(input.userId).opened = true;
    },
    recordEnrollmentStep: async (input) => {
      const record = this.of(input.userId);
      record.userStatuses.push(input.userStatus);
      record.actions.push(input.action);
    },
    recordAudit: async (input) => {
      this.of(input.userId).actions.push(input.action);
    },
    completeEnrollment: async (input) => {
      const record = this.of(input.userId);
      record.completed.push(input);
      await record.completionGate;
      record.actions.push('enrollment.completed');
    },
    chooseAppMethod: async (input) => {
      const record = this.of(input.userId);
      record.appChoices.push(input);
      await record.completionGate;
      record.actions.push('enrollment.app_chosen');
    },
    sendAppPairingLink: async (input) => {
      this.of(input.userId).appLinks.push(input);
    },
    completeAppPairing: async (input) => {
      const record = this.of(input.userId);
      if (record.foreignDevices.has(input.deviceId))
        throw ApplicationFailure.nonRetryable("Refused: the device is not this user's", FailureType.DeviceNotPairable);
      record.pairings.push(input);
      record.actions.push('enrollment.completed');
    },
    sendActivationEmail: async (input) => {
      const record = this.of(input.userId);
      if (record.emailFailure)
        throw ApplicationFailure.nonRetryable('The mail server refused', FailureType.ProviderUnavailableError);
      record.activationEmails.push(input);
      record.actions.push(input.resend ? 'activation.resent' : 'activation.email_sent');
    },
    sendVerificationCode: async (input) => {
      const record = this.of(input.userId);
      if (record.smsFailure) throw ApplicationFailure.nonRetryable(`injected ${record.smsFailure}`, record.smsFailure);
      const codeHash = `hash-${record.texts.length + 1}`;
      record.texts.push({ phone: input.phone, codeHash });
      record.actions.push('enrollment.code_sent');
      return { codeHash };
    },
    sendEnrollmentConfirmation: async (input) => {
      this.of(input.userId).confirmations.push(input);
    },
    notifyOwnerOfEnrollment: async (input) => {
      this.of(input.userId).ownerNotices.push(input);
    },
  };
}
