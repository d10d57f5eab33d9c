import type { Request, RequestHandler } from 'express';
import type { Secrets } from '../../common/crypto/secrets';
import { RateLimitedError } from '../../common/errors';
import type { RateLimitStore } from '../db/rate-limit.store';
import { addressBucketOf } from './address-bucket';

interface LimitOptions {
  store: RateLimitStore;
  secrets: Secrets;
  perMinute: number;
  bucket: string;
}

/**
 * A per-minute limit on requests whose counter `subjectOf` names; undefined falls back to the address alone.
 * The subject is hashed before it becomes a counter's name, so the table holds no addresses.
 */
function limitBy(options: LimitOptions, subjectOf: (request: Request) => string | undefined): RequestHandler {
  return async (request, response, next) => {
    const address = addressBucketOf(request.ip);
    const own = subjectOf(request);
    const subject = own
      ? `ip-session:${options.bucket}:${options.secrets.hash('rate-limit-subject', `${own}@${address}`)}`
      : `ip:${options.bucket}:${options.secrets.hash('rate-limit-subject', address)}`;
    const verdict = await options.store.hit(subject, options.perMinute, 60_000);
    if (!verdict.allowed) {
      response.setHeader('Retry-After', String(verdict.retryAfterSeconds));
      throw new RateLimitedError(
        own
          ? `Too many tries in a minute; try again in ${verdict.retryAfterSeconds} seconds`
          : `Too many requests from your network; try again in ${verdict.retryAfterSeconds} seconds`,
        verdict.retryAfterSeconds,
      );
    }
    next();
  };
}

/**
 * Per-IP limit on the endpoints that cost money (SMS) or guard a secret (codes, links), before there is anything
 * better to count by. IPv6 addresses count by their /64 (address-bucket.ts).
 */
export function limitPerIp(options: LimitOptions): RequestHandler {
  return limitBy(options, () => undefined);
}

/**
 * The same limit, counted per session and IP once the request names a session: everyone in one office shares
 * its NAT address, and a per-IP budget would be shared by all of them, and spent for all of them by any one
 * (F12). A request without a session still counts by its address alone.
 */
export function limitPerSessionAndIp(
  options: LimitOptions & { sessionOf: (request: Request) => string | undefined },
): RequestHandler {
  return limitBy(options, options.sessionOf);
}
