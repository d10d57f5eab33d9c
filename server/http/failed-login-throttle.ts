import type { Request } from 'express';
import type { Secrets } from '../../common/crypto/secrets';
import { RateLimitedError } from '../../common/errors';
import type { RateLimitStore } from '../db/rate-limit.store';
import { addressBucketOf } from './address-bucket';

/**
 * Limits wrong guesses of a secret per address (IPv6 by /64): each failure counts, and once the address has used
 * its allowance every attempt from it is refused before the secret is compared, the right one included, so the
 * answer tells a guesser nothing until the window has passed. Successes cost nothing, so an admin's CLI, which
 * sends the token on every request, is never slowed.
 */
export class FailedLoginThrottle {
  constructor(
    private readonly options: {
      store: RateLimitStore;
      secrets: Secrets;
      bucket: string;
      failuresAllowed: number;
      windowMs: number;
    },
  ) {}

  private subjectOf(request: Request): string {
    const { bucket, secrets } = this.options;
    return `login-failures:${bucket}:${secrets.hash('rate-limit-subject', addressBucketOf(request.ip))}`;
  }

  /** Throws a RateLimitedError, saying when to come back, if this address has no tries left. */
  async refuseIfSpent(request: Request): Promise<void> {
    const { store, failuresAllowed, windowMs } = this.options;
    const verdict = await store.peek(this.subjectOf(request), failuresAllowed, windowMs);
    if (!verdict.allowed)
      throw new RateLimitedError(
        `Too many wrong codec admin tokens from your address; try again in ${verdict.retryAfterSeconds} seconds`,
        verdict.retryAfterSeconds,
      );
  }

  async recordFailure(request: Request): Promise<void> {
    const { store, failuresAllowed, windowMs } = this.options;
    await store.hit(this.subjectOf(request), failuresAllowed, windowMs);
  }
}
