import type { EmailConfig, SmsConfig } from '../common/config';
import type { EmailProvider, SmsProvider } from './types';
import type { Outbox } from './outbox/outbox';
import { OutboxEmailProvider } from './email/outbox';
import { SmtpEmailProvider } from './email/smtp';
import { OutboxSmsProvider } from './sms/outbox';
import { TwilioSmsProvider } from './sms/twilio';

export interface RegistryDeps {
  /** Required when a provider is 'outbox'. */
  outbox?: Outbox;
}

function outboxOf(deps: RegistryDeps): Outbox {
  if (!deps.outbox) throw new Error('An outbox provider was configured but no outbox was given');
  return deps.outbox;
}

function assertNever(value: never): never {
  throw new Error(`Unknown provider: ${JSON.stringify(value)}`);
}

/** Each call builds a fresh provider from its config; nothing is shared or mutated between instances. */
export function createEmailProvider(config: EmailConfig, deps: RegistryDeps): EmailProvider {
  switch (config.provider) {
    case 'outbox':
      return new OutboxEmailProvider(outboxOf(deps), config.from);
    case 'smtp':
      return new SmtpEmailProvider(config);
    default:
      return assertNever(config);
  }
}

export function createSmsProvider(config: SmsConfig, deps: RegistryDeps): SmsProvider {
  switch (config.provider) {
    case 'outbox':
      return new OutboxSmsProvider(outboxOf(deps), config.serviceNumber);
    case 'twilio':
      return new TwilioSmsProvider(config);
    default:
      return assertNever(config);
  }
}
