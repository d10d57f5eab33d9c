import {
  InvalidRecipientError,
  ProviderConfigurationError,
  ProviderError,
  ProviderRateLimitedError,
  ProviderUnavailableError,
} from '../../errors';

const PROVIDER_ID = 'twilio';

/** Twilio error codes that mean this recipient can never get an SMS from us as things stand. */
const RECIPIENT_CODES = new Set([
  21211, // invalid 'To' number
  21217, // number does not appear to be valid
  21265, // 'To' is a short code
  21266, // 'To' equals 'From'
  21401, // invalid phone number
  21407, // number type does not support SMS
  21421, // PhoneNumber is invalid
  21610, // recipient replied STOP
  21612, // carrier cannot route to this number
  21614, // not a mobile number
]);

/** Codes an operator has to fix in the account or in Latchkey's settings. */
const CONFIGURATION_CODES = new Set([
  20003, // authentication failed
  20005, // account not active
  20404, // account or resource not found
  21212, // invalid 'From' number
  21408, // geographic permission for the destination is off
  21602, // empty body
  21603, // missing 'From'
  21606, // 'From' cannot send SMS
  21617, // body too long
  21659, // 'From' is not a Twilio number
  21660, // 'From' belongs to another account
]);

const RATE_LIMIT_CODES = new Set([20429, 14107]);

/** Both of the SDK's exception shapes (legacy RestException and RFC 9457 TwilioServiceException) carry these. */
interface TwilioApiFailure {
  status: number;
  code?: number;
  moreInfo?: string;
}

export interface TwilioErrorContext {
  /** The Retry-After header of the failed response, which the SDK's exceptions do not keep. */
  retryAfter?: unknown;
}

/**
 * Messages are assembled only from status, error code and documentation link. Twilio's own text can echo the
 * phone number, and the SDK's network errors carry the request (basic-auth header, form body with the one-time
 * code), so neither is copied in or attached as `cause`.
 */
export function toProviderError(error: unknown, context: TwilioErrorContext = {}): ProviderError {
  if (error instanceof ProviderError) return error;
  const failure = asApiFailure(error);
  if (failure) return fromApiFailure(failure, context);
  const network = networkCode(error);
  if (network) return new ProviderUnavailableError(`Twilio could not be reached (${network})`, PROVIDER_ID);
  const name = error instanceof Error ? error.name : typeof error;
  return new ProviderUnavailableError(`Twilio request failed unexpectedly (${name})`, PROVIDER_ID);
}

function fromApiFailure(failure: TwilioApiFailure, context: TwilioErrorContext): ProviderError {
  const { status, code } = failure;
  const detail = describe(failure);
  if (status === 429 || (code !== undefined && RATE_LIMIT_CODES.has(code))) {
    return new ProviderRateLimitedError(
      `Twilio rate limited the request ${detail}`,
      PROVIDER_ID,
      retryAfterMs(context.retryAfter),
    );
  }
  if (code !== undefined && RECIPIENT_CODES.has(code)) {
    return new InvalidRecipientError(`Twilio refused the recipient ${detail}`, PROVIDER_ID);
  }
  if (status >= 500 || status === 408 || status === 409) {
    return new ProviderUnavailableError(`Twilio failed to accept the message ${detail}`, PROVIDER_ID);
  }
  if ((code !== undefined && CONFIGURATION_CODES.has(code)) || status === 401 || status === 403) {
    return new ProviderConfigurationError(`Twilio rejected Latchkey's account settings ${detail}`, PROVIDER_ID);
  }
  // Any other 4xx would fail the same way on every retry, so someone has to look at it.
  return new ProviderConfigurationError(`Twilio rejected the request ${detail}`, PROVIDER_ID);
}

function describe({ status, code, moreInfo }: TwilioApiFailure): string {
  const parts = [`HTTP ${status}`];
  if (code !== undefined) parts.push(`Twilio error ${code}`);
  if (moreInfo) parts.push(moreInfo);
  return `(${parts.join(', ')})`;
}

function asApiFailure(error: unknown): TwilioApiFailure | undefined {
  if (!(error instanceof Error) || isAxiosError(error)) return undefined;
  const { status, code, moreInfo } = error as Error & Record<string, unknown>;
  if (typeof status !== 'number') return undefined;
  return {
    status,
    code: typeof code === 'number' ? code : undefined,
    // Only Twilio's own documentation links are passed on; anything else could be free text.
    moreInfo:
      typeof moreInfo === 'string' && /^https:\/\/www\.twilio\.com\/docs\/errors\/\d+$/.test(moreInfo)
        ? moreInfo
        : undefined,
  };
}

function isAxiosError(error: Error): boolean {
  return (error as { isAxiosError?: unknown }).isAxiosError === true;
}

/** A transport failure (no HTTP answer at all), as a short label that is safe to put in a message. */
function networkCode(error: unknown): string | undefined {
  if (!(error instanceof Error)) return undefined;
  const code = (error as { code?: unknown }).code;
  const label = typeof code === 'string' && /^[A-Z][A-Z0-9_]*$/.test(code) ? code : undefined;
  if (label === 'ECONNABORTED') return 'ECONNABORTED, timed out';
  if (isAxiosError(error)) return label ?? 'network error';
  // Plain Node errno codes (ECONNREFUSED, ETIMEDOUT, EAI_AGAIN ...) from anything below the SDK.
  return label && /^E[A-Z_]+$/.test(label) ? label : undefined;
}

/** Retry-After is either delta-seconds or an HTTP date. */
export function retryAfterMs(header: unknown, now: number = Date.now()): number | undefined {
  const value = Array.isArray(header) ? header[0] : header;
  if (typeof value === 'number' && Number.isFinite(value) && value >= 0) return value * 1000;
  if (typeof value !== 'string' || value.trim() === '') return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}
