import { ProviderConfigurationError, ProviderError, ProviderRateLimitedError } from '../../errors';
import { transportCode } from '../push.config';
import { PushServiceUnavailable, PushTargetGone } from '../errors';

const PROVIDER_ID = 'fcm';

/** The token is gone for good: unregistered, or not a token at all. */
const GONE = new Set([
  'messaging/registration-token-not-registered',
  'messaging/invalid-registration-token',
  // FCM's v1 API answers INVALID_ARGUMENT for a malformed token; Latchkey's own message is fixed and small, so
  // in practice this is the token.
  'messaging/invalid-argument',
]);
const RATE_LIMITED = new Set([
  'messaging/message-rate-exceeded',
  'messaging/device-message-rate-exceeded',
  'messaging/topics-message-rate-exceeded',
]);
const UNAVAILABLE = new Set([
  'messaging/server-unavailable',
  'messaging/internal-error',
  'messaging/unknown-error',
  'app/network-error',
  'app/network-timeout',
]);

/**
 * firebase-admin's messages append FCM's raw answer and its errors keep the request, so only the error code is
 * carried over: a registration token is a capability to push to the phone.
 */
export function toProviderError(error: unknown): ProviderError {
  if (error instanceof ProviderError) return error;
  const code = firebaseCode(error);
  if (code && GONE.has(code)) return new PushTargetGone(`FCM no longer knows this device (${code})`, PROVIDER_ID);
  if (code && RATE_LIMITED.has(code))
    return new ProviderRateLimitedError(`FCM rate limited the push (${code})`, PROVIDER_ID, undefined);
  if (code && UNAVAILABLE.has(code))
    return new PushServiceUnavailable(`FCM could not take the push (${code})`, PROVIDER_ID);
  if (code)
    // Credentials, sender mismatch, APNs key: an operator fixes these in Firebase, no retry will.
    return new ProviderConfigurationError(`FCM refused Latchkey's push (${code})`, PROVIDER_ID);
  const transport = transportCode(error);
  if (transport) return new PushServiceUnavailable(`FCM could not be reached (${transport})`, PROVIDER_ID);
  const name = error instanceof Error ? error.name : typeof error;
  return new PushServiceUnavailable(`The FCM push failed unexpectedly (${name})`, PROVIDER_ID);
}

function firebaseCode(error: unknown): string | undefined {
  const code = error instanceof Error ? (error as { code?: unknown }).code : undefined;
  return typeof code === 'string' && /^(messaging|app)\/[a-z-]+$/.test(code) ? code : undefined;
}
