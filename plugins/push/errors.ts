import { ProviderError, ProviderUnavailableError } from '../errors';

/**
 * The push service has forgotten this subscription or token (Web Push 404/410, FCM UNREGISTERED): no retry will
 * ever reach it, and the caller deletes it so the device shows alerts off until the app subscribes again.
 */
export class PushTargetGone extends ProviderError {
  readonly retryable = false;
}

/**
 * The push service could not take the push now (5xx, a timeout, no connection). Retryable; rate limiting is a
 * ProviderRateLimitedError, which carries the service's Retry-After.
 */
export class PushServiceUnavailable extends ProviderUnavailableError {}
