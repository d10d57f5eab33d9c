import type { Config } from '../config';
import { Outbox } from '../../plugins/dev-outbox/outbox';
import { createEmailProvider, createSmsProvider } from '../../plugins/registry';
import type { CleanupStack } from './cleanup-stack';

/**
 * The configured email and SMS providers. The outbox exists only when some messages go to it; it is shown at
 * /outbox only then. It lives in this process's memory, so with separate api and worker processes only a
 * vendor provider (SMTP, Twilio) makes the worker's messages visible anywhere.
 */
export function buildProviders(config: Config, cleanups: CleanupStack, outboxForTests?: Outbox) {
  const usesOutbox = config.email.provider === 'outbox' || config.sms.provider === 'outbox';
  const outbox = usesOutbox ? (outboxForTests ?? new Outbox()) : undefined;
  const email = createEmailProvider(config.email, { outbox });
  const sms = createSmsProvider(config.sms, { outbox });
  cleanups.push('close the message providers', async () => {
    await email.close?.();
    await sms.close?.();
  });
  return { outbox, email, sms };
}

export type Providers = ReturnType<typeof buildProviders>;
