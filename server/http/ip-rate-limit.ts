import type { RequestHandler } from 'express';
import type { Secrets } from '../../common/crypto/secrets';
import { RateLimitedError } from '../../common/errors';
import type { RateLimitStore } from '../db/rate-limit.store';

/**
 * Per-IP limit on the endpoints that cost money (SMS) or guard a secret (codes, links). The IP is hashed
 * before it becomes a counter's name, so the table holds no addresses.
 */
export function limitPerIp(options: {
  store: RateLimitStore;
  secrets: Secrets;
  perMinute: number;
  bucket: string;
}): RequestHandler {
  return async (request, response, next) => {
    const subject = `ip:${options.bucket}:${options.secrets.hash('rate-limit-subject', request.ip ?? 'unknown')}`;
    const verdict = await options.store.hit(subject, options.perMinute, 60_000);
    if (!verdict.allowed) {
      response.setHeader('Retry-After', String(verdict.retryAfterSeconds));
      throw new RateLimitedError(
        `Too many requests from your network; try again in ${verdict.retryAfterSeconds} seconds`,
        verdict.retryAfterSeconds,
      );
    }
    next();
  };
}
