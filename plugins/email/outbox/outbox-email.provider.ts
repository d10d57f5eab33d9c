import type { EmailProvider, OutgoingEmail, SentMessage } from '../../types';
import type { Outbox } from '../../dev-outbox/outbox';

export class OutboxEmailProvider implements EmailProvider {
  readonly kind = 'email';
  readonly id = 'outbox';

  constructor(
    private readonly outbox: Outbox,
    private readonly from: string,
  ) {}

  async send(message: OutgoingEmail): Promise<SentMessage> {
    const stored = this.outbox.add({
      channel: 'email',
      to: message.to,
      from: this.from,
      subject: message.subject,
      text: message.text,
      html: message.html,
    });
    return { providerMessageId: stored.id };
  }
}
