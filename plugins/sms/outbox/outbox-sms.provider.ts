import type { OutgoingSms, SentMessage, SmsProvider } from '../../types';
import type { Outbox } from '../../dev-outbox/outbox';

export class OutboxSmsProvider implements SmsProvider {
  readonly kind = 'sms';
  readonly id = 'outbox';

  constructor(
    private readonly outbox: Outbox,
    private readonly serviceNumber: string,
  ) {}

  async send(message: OutgoingSms): Promise<SentMessage> {
    const stored = this.outbox.add({ channel: 'sms', to: message.to, from: this.serviceNumber, text: message.body });
    return { providerMessageId: stored.id };
  }
}
