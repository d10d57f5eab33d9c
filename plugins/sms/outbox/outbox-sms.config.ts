import { z } from 'zod';
import { e164Number, type SmsSettings } from '../sms.config';
import { providerEnv } from '../../provider-config';

/** The dev outbox needs nothing but the service number; whether it may be chosen silently is the process's call. */
export const outboxSmsConfigSchema = z.object({
  provider: z.literal('outbox').default('outbox'),
  serviceNumber: e164Number,
});

export type OutboxSmsConfig = z.output<typeof outboxSmsConfigSchema>;

export const outboxSmsEnv = providerEnv({
  provider: 'outbox',
  variables: {},
  schema: outboxSmsConfigSchema,
  sources: { serviceNumber: 'SMS_SERVICE_NUMBER' },
  toInput: (_vars, shared: SmsSettings) => ({ serviceNumber: shared.serviceNumber }),
});
