import { z } from 'zod';
import type { Outbox } from '../../dev-outbox/outbox';
import { providerEnv } from '../../provider-config';
import type { OutgoingPush, PushProvider, SentMessage } from '../../types';
import { pushPayload, type PushSettings } from '../push.config';

export const outboxPushConfigSchema = z.object({
  provider: z.literal('outbox').default('outbox'),
  timeoutMs: z.number().int().positive().default(10_000),
  fcmServiceAccountFile: z.string().min(1).optional(),
});

export type OutboxPushConfig = z.output<typeof outboxPushConfigSchema>;

export const outboxPushEnv = providerEnv({
  provider: 'outbox',
  variables: {},
  schema: outboxPushConfigSchema,
  sources: { timeoutMs: 'LATCHKEY_PUSH_TIMEOUT', fcmServiceAccountFile: 'LATCHKEY_FCM_SERVICE_ACCOUNT_FILE' },
  toInput: (_vars, shared: PushSettings) => ({
    timeoutMs: shared.timeoutMs,
    fcmServiceAccountFile: shared.fcmServiceAccountFile,
  }),
});

/** Development: a Web Push lands on the /outbox page with its payload, instead of going to a push service. */
export class OutboxPushProvider implements PushProvider {
  readonly kind = 'push';
  readonly id = 'outbox';
  readonly targets = ['webpush'] as const;

  constructor(private readonly outbox: Outbox) {}

  async send(push: OutgoingPush): Promise<SentMessage> {
    // The endpoint is a capability; the outbox shows only which push service it names.
    const to = push.target.kind === 'webpush' ? new URL(push.target.subscription.endpoint).host : push.target.kind;
    const stored = this.outbox.add({
      channel: 'push',
      to,
      from: 'latchkey',
      subject: `${push.event.type} (urgency ${push.urgency}, TTL ${push.ttlSeconds} s${push.topic ? `, topic ${push.topic}` : ''})`,
      text: JSON.stringify(pushPayload(push.event)),
    });
    return { providerMessageId: stored.id };
  }
}
