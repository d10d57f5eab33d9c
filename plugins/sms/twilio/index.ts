export { TwilioSmsProvider, createTwilioClient, type TwilioSmsConfig } from './twilio.provider';
export {
  TwilioHttpClient,
  observeTwilioResponse,
  type ObservedResponse,
  type TwilioHttpClientOptions,
} from './twilio.http-client';
export { toProviderError, retryAfterMs, type TwilioErrorContext } from './to-provider-error';
