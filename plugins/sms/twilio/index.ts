export { TwilioSmsProvider, createTwilioClient } from './twilio.provider';
export {
  twilioConfigSchema,
  twilioEnv,
  parseTwilioConfig,
  type TwilioSmsConfig,
  type TwilioSmsConfigInput,
} from './twilio.config';
export {
  TwilioHttpClient,
  observeTwilioResponse,
  type ObservedResponse,
  type TwilioHttpClientOptions,
} from './twilio.http-client';
export { toProviderError, retryAfterMs, type TwilioErrorContext } from './to-provider-error';
