/**
 * Every plugin turns its SDK's errors into these, in one function of its own, so that activities can decide
 * retry or give up without knowing which vendor is behind the interface.
 */
export abstract class ProviderError extends Error {
  abstract readonly retryable: boolean;

  constructor(
    message: string,
    readonly providerId: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** The recipient can never be reached this way (malformed or unsupported number or address). */
export class InvalidRecipientError extends ProviderError {
  readonly retryable = false;
}

/** Credentials or account settings are wrong; retrying will not help until an operator fixes them. */
export class ProviderConfigurationError extends ProviderError {
  readonly retryable = false;
}

/** The vendor asked us to slow down. */
export class ProviderRateLimitedError extends ProviderError {
  readonly retryable = true;

  constructor(
    message: string,
    providerId: string,
    readonly retryAfterMs: number | undefined,
    options?: { cause?: unknown },
  ) {
    super(message, providerId, options);
  }
}

/** Network failure, timeout or a 5xx from the vendor. */
export class ProviderUnavailableError extends ProviderError {
  readonly retryable = true;
}
