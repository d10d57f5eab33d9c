import type { FakeTwilio } from '../fakes/fake-twilio';
import type { SmtpReceiver } from '../fakes/smtp-receiver';

/** The settings that send Latchkey's email to the SMTP receiver. */
export function smtpReceiverEnv(smtp: SmtpReceiver): Record<string, string> {
  return {
    EMAIL_PROVIDER: 'smtp',
    SMTP_HOST: smtp.host,
    SMTP_PORT: String(smtp.port),
    // The receiver speaks plain SMTP on loopback; production refuses this unless it is set on purpose.
    SMTP_REQUIRE_TLS: 'false',
  };
}

/**
 * The settings that send Latchkey's email to the SMTP receiver and its texts through the fake Twilio, and that
 * choose web-push for pushes (nothing is pushed in these tests), so that no provider is the outbox.
 */
export function vendorFakesEnv(smtp: SmtpReceiver, twilio: FakeTwilio, authToken: string): Record<string, string> {
  return {
    ...smtpReceiverEnv(smtp),
    SMS_PROVIDER: 'twilio',
    TWILIO_ACCOUNT_SID: twilio.accountSid,
    TWILIO_AUTH_TOKEN: authToken,
    TWILIO_API_BASE_URL: twilio.baseUrl,
    PUSH_PROVIDER: 'web-push',
  };
}
