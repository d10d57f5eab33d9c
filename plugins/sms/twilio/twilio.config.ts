import { z } from 'zod';
import { ConfigError } from '../../../common/errors';
import { isLoopbackHost } from '../../../common/loopback-host';
import { e164Number, type SmsSettings } from '../sms.config';
import { providerEnv } from '../../provider-config';

// The SDK sends the auth token and every message body (codes, passwords) to this address.
const apiBaseUrl = z
  .string()
  .url()
  .refine((url) => {
    const parsed = new URL(url);
    return parsed.protocol === 'https:' || isLoopbackHost(parsed.hostname);
  }, 'must use https:// unless it points at this machine');

export const twilioConfigSchema = z.object({
  provider: z.literal('twilio').default('twilio'),
  serviceNumber: e164Number,
  accountSid: z.string({ required_error: 'is required for Twilio' }).min(1, 'is required for Twilio'),
  authToken: z.string({ required_error: 'is required for Twilio' }).min(1, 'is required for Twilio'),
  /** Only for tests: a local fake of Twilio's API. */
  apiBaseUrl: apiBaseUrl.optional(),
});

export type TwilioSmsConfigInput = z.input<typeof twilioConfigSchema>;
export type TwilioSmsConfig = z.output<typeof twilioConfigSchema>;

export function parseTwilioConfig(input: TwilioSmsConfigInput): TwilioSmsConfig {
  const result = twilioConfigSchema.safeParse(input);
  if (result.success) return result.data;
  // Values are left out of the problems: authToken would otherwise end up in a start-up log.
  throw new ConfigError(
    result.error.issues.map((issue) => `twilio ${issue.path.join('.') || 'config'}: ${issue.message}`),
  );
}

/** SMS_PROVIDER=twilio, or TWILIO_ACCOUNT_SID set with SMS_PROVIDER unset. */
export const twilioEnv = providerEnv({
  provider: 'twilio',
  variables: {
    TWILIO_ACCOUNT_SID: z.string().optional(),
    TWILIO_AUTH_TOKEN: z.string().optional(),
    // Checked even when another provider is chosen, as it always has been: it is where secrets would go.
    TWILIO_API_BASE_URL: apiBaseUrl.optional(),
  },
  detectedBy: 'TWILIO_ACCOUNT_SID',
  schema: twilioConfigSchema,
  sources: {
    serviceNumber: 'SMS_SERVICE_NUMBER',
    accountSid: 'TWILIO_ACCOUNT_SID',
    authToken: 'TWILIO_AUTH_TOKEN',
    apiBaseUrl: 'TWILIO_API_BASE_URL',
  },
  toInput: (vars, shared: SmsSettings) => ({
    serviceNumber: shared.serviceNumber,
    accountSid: vars.TWILIO_ACCOUNT_SID,
    authToken: vars.TWILIO_AUTH_TOKEN,
    apiBaseUrl: vars.TWILIO_API_BASE_URL,
  }),
});
