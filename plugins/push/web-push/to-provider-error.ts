import { WebPushError } from 'web-push';
import {
  InvalidRecipientError,
  ProviderConfigurationError,
  ProviderError,
  ProviderRateLimitedError,
} from '../../errors';
import { retryAfterMs, transportCode } from '../push.config';
import { PushServiceUnavailable, PushTargetGone } from '../errors';

const PROVIDER_ID = 'web-push';

/**
 * The endpoint is a capability URL (whoever holds it can push to the phone) and the error's body is the push
 * service's free text, so messages carry the status and the service's host only, and no cause is attached.
 */
export function toProviderError(error: unknown, host: string): ProviderError {
  if (error instanceof ProviderError) return error;
  if (error instanceof WebPushError) {
    const status = error.statusCode;
    const detail = `(HTTP ${status} from ${host})`;
    if (status === 404 || status === 410)
      return new PushTargetGone(`The push service no longer knows this subscription ${detail}`, PROVIDER_ID);
    if (status === 429)
      return new ProviderRateLimitedError(
        `The push service rate limited the push ${detail}`,
        PROVIDER_ID,
        retryAfterMs(error.headers?.['retry-after']),
      );
    if (status >= 500 || status === 408)
      return new PushServiceUnavailable(`The push service failed to take the push ${detail}`, PROVIDER_ID);
    if (status === 400)
      return new InvalidRecipientError(`The push service refused this subscription ${detail}`, PROVIDER_ID);
    // 401/403: the VAPID signature or key was refused; 413: the payload. Retrying sends the same again.
    return new ProviderConfigurationError(`The push service refused the push ${detail}`, PROVIDER_ID);
  }
  if (error instanceof Error && error.message === 'Socket timeout')
    return new PushServiceUnavailable(`The push service at ${host} did not answer in time`, PROVIDER_ID);
  const code = transportCode(error);
  if (code)
    return new PushServiceUnavailable(`The push service at ${host} could not be reached (${code})`, PROVIDER_ID);
  const name = error instanceof Error ? error.name : typeof error;
  return new PushServiceUnavailable(`The push to ${host} failed unexpectedly (${name})`, PROVIDER_ID);
}
