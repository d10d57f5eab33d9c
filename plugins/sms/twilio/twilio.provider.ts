import twilio from 'twilio';
import type { OutgoingSms, SentMessage, SmsProvider } from '../../types';
import { parseTwilioConfig, type TwilioSmsConfig, type TwilioSmsConfigInput } from './twilio.config';
import { TwilioHttpClient, observeTwilioResponse, type ObservedResponse } from './twilio.http-client';
import { toProviderError } from './to-provider-error';

/** Activities own retries (and their timeouts); this only bounds a single hung HTTP call. */
const REQUEST_TIMEOUT_MS = 15_000;

export class TwilioSmsProvider implements SmsProvider {
  readonly kind = 'sms' as const;
  readonly id = 'twilio';
  private readonly config: TwilioSmsConfig;
  private readonly client: ReturnType<typeof createTwilioClient>;

  constructor(input: TwilioSmsConfigInput) {
    this.config = parseTwilioConfig(input);
    this.client = createTwilioClient(this.config);
  }

  async send(message: OutgoingSms): Promise<SentMessage> {
    const response: ObservedResponse = {};
    try {
      const created = await observeTwilioResponse(response, () =>
        this.client.messages.create({ to: message.to, from: this.config.serviceNumber, body: message.body }),
      );
      return { providerMessageId: created.sid };
    } catch (error) {
      throw toProviderError(error, { retryAfter: response.headers?.['retry-after'] });
    }
  }
}

/**
 * Always goes through TwilioHttpClient, not only when apiBaseUrl is set, because that is where Retry-After is
 * observed. The SDK's 429 auto-retry stays off so that the activity's retry policy is the only one.
 */
export function createTwilioClient(config: TwilioSmsConfig): twilio.Twilio {
  return twilio(config.accountSid, config.authToken, {
    httpClient: new TwilioHttpClient({ baseUrl: config.apiBaseUrl, timeout: REQUEST_TIMEOUT_MS }),
    autoRetry: false,
    // TWILIO_LOG_LEVEL=debug in the environment would otherwise print request details outside our logger.
    logLevel: 'warn',
  });
}
