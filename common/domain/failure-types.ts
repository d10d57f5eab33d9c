/**
 * Every `ApplicationFailure` type that crosses the Temporal boundary, in one list. The rules:
 *
 * - Activities throw `ApplicationFailure.create({ type: FailureType.X, nonRetryable })` for a failure the
 *   workflow should recognise; provider errors become failures of their class's name in
 *   `activities/provider-failure.ts`. Anything else they throw is retried as Temporal's policy says.
 * - Workflows compare `failure.type` only against these constants, and rethrow or report what they do not know.
 * - Update validators and handlers reject with the enrollment types below; the server's Temporal error
 *   translation maps each one to what a caller sees, and treats an unknown type as a conflict.
 * - The values are wire strings: they sit in recorded histories and in `nonRetryableErrorTypes`. Rename a
 *   constant freely, never its value.
 */
export const FailureType = {
  // Refusals by the enrollment workflow's updates: the caller asked for something the current step forbids.
  WrongStep: 'WrongStep',
  EnrollmentBlocked: 'EnrollmentBlocked',
  EnrollmentClosed: 'EnrollmentClosed',
  Busy: 'Busy',
  PhoneRequired: 'PhoneRequired',
  ResendTooSoon: 'ResendTooSoon',
  InvalidMethod: 'InvalidMethod',
  InvalidPinHash: 'InvalidPinHash',
  /** appPaired named no device id of the right shape. */
  InvalidDevice: 'InvalidDevice',
  ActivationEmailFailed: 'ActivationEmailFailed',

  // Thrown by central activities.
  /** The daily SMS cap of the user or of the number is spent; permanent until the window moves on. */
  SmsLimitReached: 'SmsLimitReached',
  /** The number's country is not on the client's (or the instance's) list of countries codes may be sent to. */
  SmsCountryNotAllowed: 'SmsCountryNotAllowed',
  /**
   * The Latchkey user row is gone (deleted while its workflow ran). Not the directory's UserNotFoundError; the
   * wire value predates the clearer name and stays, since histories written before the rename carry it.
   */
  LatchkeyUserNotFound: 'UserNotFound',
  /** A reset's user no longer has a phone to send the password to. */
  NotEnrolled: 'NotEnrolled',
  /**
   * An enrollment activity was scheduled by a workflow run that does not own the enrollment it names (not the
   * user's enrollment workflow, or another run of it): a forged call, refused before anything is written or sent.
   */
  EnrollmentNotOwned: 'EnrollmentNotOwned',
  /**
   * completeEnrollment found no open enrollment, in the step completion needs, whose latest code went to this
   * phone and was seen typed by the API: the database does not show a verified request, so nothing is bound.
   */
  EnrollmentNotVerified: 'EnrollmentNotVerified',
  /** appPaired named a device that is not this user's, or one that is revoked: nothing is activated or bound. */
  DeviceNotPairable: 'DeviceNotPairable',
  /**
   * The central worker found no pending reset in the database matching the workflow: someone other than Latchkey
   * started it, or it already ended. Nothing is signed, sent or written.
   */
  ResetNotAuthorized: 'ResetNotAuthorized',
  /** A lockout watch run under a workflow id that is not makeLockoutWatchWorkflowId of a client: nothing is signed. */
  LockoutWatchNotAuthorized: 'LockoutWatchNotAuthorized',
  /** The agent's result does not carry a valid proof from this client's agents: a stolen or forged task. */
  AgentResultRejected: 'AgentResultRejected',

  // Thrown by agents.
  /** The directory command was not signed by this Latchkey server for this agent's client, or has expired. */
  DirectoryCommandRefused: 'DirectoryCommandRefused',

  // Message providers' errors (plugins/errors.ts), by class name.
  InvalidRecipientError: 'InvalidRecipientError',
  ProviderConfigurationError: 'ProviderConfigurationError',
  ProviderRateLimitedError: 'ProviderRateLimitedError',
  ProviderUnavailableError: 'ProviderUnavailableError',

  // Directory providers' errors (plugins/directory/errors.ts), by class name.
  PasswordPolicyError: 'PasswordPolicyError',
  ProtectedAccountError: 'ProtectedAccountError',
  /** The name now resolves to another AD object (objectGUID) than the one recorded at the first touch. */
  AccountChangedError: 'AccountChangedError',
  UserNotFoundError: 'UserNotFoundError',
  AccountDisabledError: 'AccountDisabledError',
  InsufficientRightsError: 'InsufficientRightsError',
  DirectoryUnavailableError: 'DirectoryUnavailableError',
  DirectoryConfigurationError: 'DirectoryConfigurationError',
  DirectoryOperationError: 'DirectoryOperationError',
} as const;
export type FailureType = (typeof FailureType)[keyof typeof FailureType];

/**
 * Message-provider refusals that no retry will fix: a bad recipient, bad credentials. For
 * `retry.nonRetryableErrorTypes`, as a second line of defence behind each error's own `retryable: false`.
 */
export const NON_RETRYABLE_PROVIDER_ERRORS = [
  FailureType.InvalidRecipientError,
  FailureType.ProviderConfigurationError,
] as const;

/** The same for directory activities: every directory refusal except an unreachable directory. */
export const NON_RETRYABLE_DIRECTORY_ERRORS = [
  FailureType.PasswordPolicyError,
  FailureType.ProtectedAccountError,
  FailureType.AccountChangedError,
  FailureType.UserNotFoundError,
  FailureType.AccountDisabledError,
  FailureType.InsufficientRightsError,
  FailureType.DirectoryConfigurationError,
  FailureType.DirectoryOperationError,
] as const;
