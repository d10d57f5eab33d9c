import { ApplicationFailure } from '@temporalio/activity';
import { DirectoryError } from '../plugins/directory/errors';
import { ProviderError, ProviderRateLimitedError } from '../plugins/errors';

/**
 * Turns a provider error into the failure Temporal acts on: permanent ones stop retries at once, a vendor's
 * Retry-After sets the next delay. The message names the provider and the error class only, so no recipient
 * or message body reaches history even before the codec encrypts it.
 */
export function toActivityFailure(error: unknown): never {
  if (error instanceof ProviderRateLimitedError) {
    throw ApplicationFailure.create({
      type: error.name,
      message: error.message,
      nonRetryable: false,
      nextRetryDelay: error.retryAfterMs,
    });
  }
  if (error instanceof ProviderError) {
    throw ApplicationFailure.create({
      type: error.name,
      message: error.message,
      nonRetryable: !error.retryable,
      // Directory refusals keep their stable code and user-safe text, which the class alone would not carry across.
      details: error instanceof DirectoryError ? [{ code: error.code, userMessage: error.userMessage }] : undefined,
    });
  }
  throw error;
}
