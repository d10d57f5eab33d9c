import { z } from 'zod';
import type { EmailSettings } from '../email.config';
import { providerEnv } from '../../provider-config';

/** The dev outbox needs nothing but the sender address; whether it may be chosen silently is the process's call. */
export const outboxEmailConfigSchema = z.object({
  provider: z.literal('outbox').default('outbox'),
  from: z.string().min(1),
});

export type OutboxEmailConfig = z.output<typeof outboxEmailConfigSchema>;

export const outboxEmailEnv = providerEnv({
  provider: 'outbox',
  variables: {},
  schema: outboxEmailConfigSchema,
  sources: { from: 'EMAIL_FROM' },
  toInput: (_vars, shared: EmailSettings) => ({ from: shared.from }),
});
