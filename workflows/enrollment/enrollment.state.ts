import {
  type EnrollmentMethod,
  type EnrollmentTimings,
  type EnrollmentView,
  EnrollmentStep,
  FINAL_STEPS,
} from '../../common/domain/enrollment';
import { FailureType } from '../../common/domain/failure-types';

/**
 * Why a message was refused. The workflow turns it into a non-retryable ApplicationFailure, so that this module
 * stays plain TypeScript: no Temporal import, unit-tested without a server.
 */
export interface Refusal {
  type: (typeof FailureType)[
    | 'EnrollmentBlocked'
    | 'EnrollmentClosed'
    | 'WrongStep'
    | 'Busy'
    | 'PhoneRequired'
    | 'ResendTooSoon'
    | 'InvalidMethod'
    | 'InvalidPinHash'
    | 'InvalidDevice'];
  message: string;
}

/** What checking a submitted code did; `blocked` carries what the audit entry records. */
export type CodeCheck =
  | { outcome: 'code_expired' }
  | { outcome: 'verified' }
  | { outcome: 'wrong_code'; triesLeft: number }
  | { outcome: 'blocked'; blockedUntil: number; failedAttempts: number };

// A keyed hash is 43 base64url characters; anything else could be a PIN sent in clear by mistake.
const KEYED_HASH = /^[A-Za-z0-9_-]{43}$/;
// Device ids are the database's uuids; the activity checks the rest (whose device it is, and its status).
const DEVICE_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * One enrollment's state and its rules: which step the user is on, when that step times out, the code and its
 * attempts, the block. The workflow's handlers call these methods and do the I/O around them. Every method takes
 * the time from its caller (workflow time in the workflow, any number in tests), so it is deterministic.
 */
export class EnrollmentState {
  #step: EnrollmentStep = EnrollmentStep.Invited;
  #deadline: number;
  #phone: string | null = null;
  #codeHash: string | null = null;
  #codeExpiresAt: number | null = null;
  #lastCodeSentAt: number | null = null;
  #failedAttempts = 0;
  #blockedUntil: number | null = null;
  #cancelled = false;
  #pinHash: string | undefined;
  #pairing = false;
  #busy = false;
  #revision = 0;

  constructor(
    private readonly timings: EnrollmentTimings,
    now: number,
  ) {
    this.#deadline = now + timings.linkTtlMs;
  }

  get step(): EnrollmentStep {
    return this.#step;
  }
  get finished(): boolean {
    return FINAL_STEPS.includes(this.#step);
  }
  /** When the current step times out: the link expires, a half-done enrollment lapses, or a block ends. */
  get deadline(): number {
    return this.#deadline;
  }
  /** Bumped on every change a message makes, so the workflow's main loop wakes and recomputes its deadline. */
  get revision(): number {
    return this.#revision;
  }
  /** True while a handler waits on an activity: other messages are refused and the deadline is not judged. */
  get busy(): boolean {
    return this.#busy;
  }
  get cancelled(): boolean {
    return this.#cancelled;
  }
  /** The number the last code went to; set once a code was sent, so always set from `awaiting_method` on. */
  get phone(): string | null {
    return this.#phone;
  }
  /** The enrollment went through the pairing step, so a device of the user's is active. */
  get pairedWithApp(): boolean {
    return this.#pairing && this.#step === EnrollmentStep.EnrolledApp;
  }
  /** The keyed hash of the SMS PIN chosen with the method, kept from the choice of the app until its pairing. */
  get pinHash(): string | undefined {
    return this.#pinHash;
  }

  view(): EnrollmentView {
    return {
      step: this.#step,
      phoneHint: this.#phone ? this.#phone.slice(-2) : null,
      codeExpiresAt: this.#codeExpiresAt,
      resendAvailableAt: this.#lastCodeSentAt === null ? null : this.#lastCodeSentAt + this.timings.resendIntervalMs,
      triesLeft: this.timings.maxCodeAttempts - this.#failedAttempts,
      blockedUntil: this.#blockedUntil,
    };
  }

  /** Milliseconds until the deadline, at least 1: a zero timeout would mean "no timeout" to a condition. */
  timeLeft(now: number): number {
    return Math.max(this.#deadline - now, 1);
  }

  /** Runs a handler's activity with the busy flag up, and lowers it however the activity ends. */
  async exclusive<T>(work: () => Promise<T>): Promise<T> {
    this.#busy = true;
    try {
      return await work();
    } finally {
      this.#busy = false;
    }
  }

  // Validators: each returns why the message is refused, or undefined to accept it.

  refuseOpenLink(): Refusal | undefined {
    return this.#refuseUnlessAt([EnrollmentStep.Invited, EnrollmentStep.AwaitingPhone], 'open the link');
  }

  refuseActivationResend(): Refusal | undefined {
    return this.#refuseUnlessAt([EnrollmentStep.Invited], 'resend the activation email');
  }

  refuseCodeRequest(newPhone: string | undefined, now: number): Refusal | undefined {
    const refusal = this.#refuseUnlessAt([EnrollmentStep.AwaitingPhone, EnrollmentStep.AwaitingCode], 'send a code');
    if (refusal) return refusal;
    if (!newPhone && !this.#phone) return { type: FailureType.PhoneRequired, message: 'Enter your cell number first' };
    if (this.#lastCodeSentAt !== null && now < this.#lastCodeSentAt + this.timings.resendIntervalMs) {
      const seconds = Math.ceil((this.#lastCodeSentAt + this.timings.resendIntervalMs - now) / 1000);
      return {
        type: FailureType.ResendTooSoon,
        message: `Please wait ${seconds} seconds before asking for another code`,
      };
    }
    return undefined;
  }

  refuseCodeCheck(): Refusal | undefined {
    return this.#refuseUnlessAt([EnrollmentStep.AwaitingCode], 'check a code');
  }

  refuseMethod(method: unknown, pinHash: unknown): Refusal | undefined {
    const refusal = this.#refuseUnlessAt([EnrollmentStep.AwaitingMethod], 'choose a method');
    if (refusal) return refusal;
    if (method !== 'app' && method !== 'sms')
      return { type: FailureType.InvalidMethod, message: 'Choose "app" or "sms"' };
    if (pinHash !== undefined && (typeof pinHash !== 'string' || !KEYED_HASH.test(pinHash))) {
      return { type: FailureType.InvalidPinHash, message: 'The PIN must be sent as its keyed hash' };
    }
    return undefined;
  }

  refuseAppPaired(deviceId: unknown): Refusal | undefined {
    const refusal = this.#refuseUnlessAt([EnrollmentStep.PairingApp], 'finish pairing the app');
    if (refusal) return refusal;
    if (typeof deviceId !== 'string' || !DEVICE_ID.test(deviceId))
      return { type: FailureType.InvalidDevice, message: 'The paired device must be named by its id' };
    return undefined;
  }

  // Transitions, called once a message is accepted (and its activity, if any, has succeeded).

  /** The user opened the link. True the first time, when the workflow records that the user started. */
  openLink(now: number): boolean {
    if (this.#step !== EnrollmentStep.Invited) return false;
    this.#moveTo(EnrollmentStep.AwaitingPhone, this.timings.stepTimeoutMs, now);
    return true;
  }

  /** A new activation email went out: the link's time starts again. */
  activationResent(now: number): void {
    this.#moveTo(EnrollmentStep.Invited, this.timings.linkTtlMs, now);
  }

  /** Where a requested code goes: the new number, or the one given before (the validator made sure of one). */
  codeRecipient(newPhone: string | undefined): string {
    return newPhone ?? this.#phone!;
  }

  codeSent(phone: string, codeHash: string, now: number): void {
    this.#phone = phone;
    this.#codeHash = codeHash;
    this.#lastCodeSentAt = now;
    this.#codeExpiresAt = now + this.timings.codeTtlMs;
    this.#moveTo(EnrollmentStep.AwaitingCode, this.timings.stepTimeoutMs, now);
  }

  /** Checks the keyed hash of a typed code. A code works once; the last wrong attempt blocks the user. */
  checkCode(submitted: string, now: number): CodeCheck {
    if (this.#codeExpiresAt === null || now >= this.#codeExpiresAt) {
      this.#codeHash = null;
      this.#revision++;
      return { outcome: 'code_expired' };
    }
    if (submitted === this.#codeHash) {
      this.#codeHash = null;
      this.#codeExpiresAt = null;
      this.#moveTo(EnrollmentStep.AwaitingMethod, this.timings.stepTimeoutMs, now);
      return { outcome: 'verified' };
    }
    this.#failedAttempts++;
    if (this.#failedAttempts < this.timings.maxCodeAttempts) {
      this.#revision++;
      return { outcome: 'wrong_code', triesLeft: this.timings.maxCodeAttempts - this.#failedAttempts };
    }
    this.#codeHash = null;
    this.#codeExpiresAt = null;
    const blockedUntil = now + this.timings.blockDurationMs;
    this.#blockedUntil = blockedUntil;
    this.#moveTo(EnrollmentStep.Blocked, this.timings.blockDurationMs, now);
    return { outcome: 'blocked', blockedUntil, failedAttempts: this.#failedAttempts };
  }

  /**
   * The user chose the app: the phone is verified, and the enrollment waits for a device to pair, as long as any
   * other half-done step would wait.
   */
  appChosen(pinHash: string | undefined, now: number): void {
    this.#pinHash = pinHash;
    this.#pairing = true;
    this.#moveTo(EnrollmentStep.PairingApp, this.timings.stepTimeoutMs, now);
  }

  enrolled(method: EnrollmentMethod, now: number): void {
    this.#moveTo(method === 'app' ? EnrollmentStep.EnrolledApp : EnrollmentStep.EnrolledSms, 0, now);
  }

  /** A technician deactivated the user: the main loop ends the enrollment at its next turn. */
  cancel(): void {
    this.#cancelled = true;
    this.#revision++;
  }

  /** The main loop saw the cancellation. */
  close(): void {
    this.#step = EnrollmentStep.Cancelled;
  }

  /** The deadline passed with nothing pending: a block ends and the user starts over; any other step expires. */
  deadlinePassed(now: number): 'unblocked' | 'expired' {
    if (this.#step === EnrollmentStep.Blocked) {
      this.#failedAttempts = 0;
      this.#blockedUntil = null;
      this.#moveTo(EnrollmentStep.AwaitingPhone, this.timings.stepTimeoutMs, now);
      return 'unblocked';
    }
    this.#step = EnrollmentStep.Expired;
    return 'expired';
  }

  #moveTo(next: EnrollmentStep, timeoutMs: number, now: number): void {
    this.#step = next;
    this.#deadline = now + timeoutMs;
    this.#revision++;
  }

  #refuseUnlessAt(allowed: EnrollmentStep[], action: string): Refusal | undefined {
    const step = this.#step;
    if (step === EnrollmentStep.Blocked) {
      const until = new Date(this.#blockedUntil ?? 0).toISOString();
      return { type: FailureType.EnrollmentBlocked, message: `Too many wrong codes. Try again after ${until}` };
    }
    if (FINAL_STEPS.includes(step)) {
      return { type: FailureType.EnrollmentClosed, message: `This enrollment is already ${step.replace('_', ' ')}` };
    }
    // Deactivated, though the main loop has not closed the step yet: nothing may start that could enroll the user.
    if (this.#cancelled) return { type: FailureType.EnrollmentClosed, message: 'This enrollment has been cancelled' };
    if (!allowed.includes(step)) {
      return { type: FailureType.WrongStep, message: `Cannot ${action} now: the enrollment is at step "${step}"` };
    }
    if (this.#busy) {
      return {
        type: FailureType.Busy,
        message: 'The previous request is still being processed; try again in a moment',
      };
    }
    return undefined;
  }
}
