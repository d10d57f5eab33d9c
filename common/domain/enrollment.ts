/** Shapes shared by the enrollment workflow, its callers and its activities. Plain data, no behaviour. */

/** Where one enrollment workflow stands. The values travel in query and update results, so they never change. */
export const EnrollmentStep = {
  Invited: 'invited',
  AwaitingPhone: 'awaiting_phone',
  AwaitingCode: 'awaiting_code',
  AwaitingMethod: 'awaiting_method',
  /** The user chose the app and is pairing a phone with it; enrolled once a device of theirs is active. */
  PairingApp: 'pairing_app',
  Blocked: 'blocked',
  EnrolledApp: 'enrolled_app',
  EnrolledSms: 'enrolled_sms',
  Expired: 'expired',
  Cancelled: 'cancelled',
} as const;
export type EnrollmentStep = (typeof EnrollmentStep)[keyof typeof EnrollmentStep];

export const FINAL_STEPS: readonly EnrollmentStep[] = [
  EnrollmentStep.EnrolledApp,
  EnrollmentStep.EnrolledSms,
  EnrollmentStep.Expired,
  EnrollmentStep.Cancelled,
];

/** How an enrolled user resets: with the app, or by texting RESET. */
export const ENROLLMENT_METHODS = ['app', 'sms'] as const;
export type EnrollmentMethod = (typeof ENROLLMENT_METHODS)[number];

/** Which enrollment, of which user, an activity or a store call is about. */
export interface EnrollmentRef {
  enrollmentId: string;
  userId: string;
}

/** Timeouts come in with the input, not from config inside the workflow, so tests can shrink them. */
export interface EnrollmentTimings {
  linkTtlMs: number;
  stepTimeoutMs: number;
  codeTtlMs: number;
  maxCodeAttempts: number;
  blockDurationMs: number;
  resendIntervalMs: number;
}

export interface EnrollmentInput {
  enrollmentId: string;
  userId: string;
  timings: EnrollmentTimings;
}

export interface EnrollmentView {
  step: EnrollmentStep;
  /** Last two digits only: enough for "is this my number?", useless to anyone else. */
  phoneHint: string | null;
  codeExpiresAt: number | null;
  resendAvailableAt: number | null;
  triesLeft: number;
  blockedUntil: number | null;
}

export interface EnrollmentResult {
  step: EnrollmentStep;
  method: EnrollmentMethod | null;
}

export type RequestCodeResult =
  | { outcome: 'sent'; view: EnrollmentView }
  | { outcome: 'limit_reached'; message: string; view: EnrollmentView }
  | { outcome: 'undeliverable'; message: string; view: EnrollmentView }
  | { outcome: 'delivery_failed'; message: string; view: EnrollmentView };

export type VerifyCodeResult =
  | { outcome: 'verified'; view: EnrollmentView }
  | { outcome: 'wrong_code'; triesLeft: number; view: EnrollmentView }
  | { outcome: 'code_expired'; view: EnrollmentView }
  | { outcome: 'blocked'; blockedUntil: number; view: EnrollmentView };

export interface RequestCodeArgs {
  /** E.164; omitted to resend to the number already given. */
  phone?: string;
}

export interface VerifyCodeArgs {
  /** The keyed hash of the code the user typed: the code itself never enters history. */
  codeHash: string;
}

export interface ChooseMethodArgs {
  method: EnrollmentMethod;
  /**
   * Keyed hash of the PIN for "RESET <PIN>" texts, when the client requires one. Optional so that updates sent
   * before PINs existed, and their recorded histories, still fit; the PIN itself never enters history.
   */
  pinHash?: string;
}

export interface AppPairedArgs {
  /** The device that redeemed one of this enrollment's pairing tokens and, for a QR code, passed the number match. */
  deviceId: string;
}
