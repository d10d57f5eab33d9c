import { ConfigError } from '../common/errors';
import type { Outbox } from './dev-outbox/outbox';
import type { DirectoryProvider } from './directory/directory-provider';
import { ActiveDirectoryProvider, activeDirectoryEnv } from './directory/active-directory';
import { emailSettings } from './email/email.config';
import { OutboxEmailProvider, outboxEmailEnv } from './email/outbox';
import { SmtpEmailProvider, smtpEnv } from './email/smtp';
import { kindSettings, providerKind, type ConfigOf } from './provider-config';
import { smsSettings } from './sms/sms.config';
import { OutboxSmsProvider, outboxSmsEnv } from './sms/outbox';
import { TwilioSmsProvider, twilioEnv } from './sms/twilio';
import type { EmailProvider, SmsProvider } from './types';

/**
 * Every provider of every kind. A new provider is its folder plus, here, its config in the kind's list and one
 * `case` in the kind's switch; the config union is derived from the list, so the compiler asks for the case.
 */
export const emailKind = providerKind({
  selector: 'EMAIL_PROVIDER',
  settings: emailSettings,
  providers: [outboxEmailEnv, smtpEnv],
  fallback: 'outbox',
});

export const smsKind = providerKind({
  selector: 'SMS_PROVIDER',
  settings: smsSettings,
  providers: [outboxSmsEnv, twilioEnv],
  fallback: 'outbox',
});

export const directoryKind = providerKind({
  selector: 'DIRECTORY_PROVIDER',
  settings: kindSettings({}, () => ({})),
  providers: [activeDirectoryEnv],
  fallback: 'active-directory',
});

export type EmailConfig = ConfigOf<typeof emailKind>;
export type SmsConfig = ConfigOf<typeof smsKind>;
export type DirectoryConfig = ConfigOf<typeof directoryKind>;

export interface RegistryDeps {
  /** Required when a provider is 'outbox'. */
  outbox?: Outbox;
}

function outboxOf(deps: RegistryDeps): Outbox {
  if (!deps.outbox) throw new ConfigError(['an outbox provider was configured but no outbox was given']);
  return deps.outbox;
}

/** Reached only by a config that bypassed the types (built by hand or from JSON) and names no known provider. */
function assertNever(value: never): never {
  const provider = typeof value === 'object' ? (value as { provider?: unknown } | null)?.provider : value;
  throw new ConfigError([`unknown provider ${JSON.stringify(provider)}`]);
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

/** Directory providers run on a client's agent, next to the directory, never centrally. */
export function createDirectoryProvider(config: DirectoryConfig): DirectoryProvider {
  switch (config.provider) {
    case 'active-directory':
      return new ActiveDirectoryProvider(config);
    default:
      // With one directory provider `config` itself does not narrow to never; its discriminant does.
      return assertNever(config.provider);
  }
}
