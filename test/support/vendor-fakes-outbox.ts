import { Outbox } from '../../plugins/dev-outbox/outbox';
import type { FakeTwilio } from '../fakes/fake-twilio';
import type { SmtpReceiver } from '../fakes/smtp-receiver';

/**
 * An outbox that copies what the SMTP receiver and the fake Twilio receive from now on, so that the helpers written
 * against a stack's outbox (enrolment through the pages, waiting for a reset's SMS) also drive a central process of
 * its own, whose messages leave through the real SDKs. Returns the outbox and a function that stops the copying.
 */
export function vendorFakesOutbox(smtp: SmtpReceiver, twilio: FakeTwilio): { outbox: Outbox; stop(): void } {
  const outbox = new Outbox();
  const stops = [
    smtp.onMessage((email) =>
      outbox.add({
        channel: 'email',
        // Latchkey addresses each email to one person.
        to: email.envelope.to[0] ?? '',
        from: email.envelope.from ?? '',
        subject: email.subject,
        text: email.text ?? '',
        html: email.html,
      }),
    ),
    twilio.onMessage((sms) =>
      outbox.add({ channel: 'sms', to: sms.to, from: sms.from ?? sms.messagingServiceSid ?? '', text: sms.body }),
    ),
  ];
  return { outbox, stop: () => stops.forEach((stop) => stop()) };
}
