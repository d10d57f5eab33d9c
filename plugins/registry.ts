import { ConfigError } from '../common/errors';
import type { Outbox } from './dev-outbox/outbox';
import { emailSettings } from './email/email.config';
import { OutboxEmailProvider, outboxEmailEnv } from './email/outbox';
import { SmtpEmailProvider, smtpEnv } from './email/smtp';
import { providerKind, type ConfigOf } from './provider-config';
import { smsSettings } from './sms/sms.config';
import { OutboxSmsProvider, outboxSmsEnv } from './sms/outbox';
import { TwilioSmsProvider, twilioEnv } from './sms/twilio';
import type { EmailProvider, PushProvider, SmsProvider } from './types';
import type { Agent } from 'node:https';
import { pushSettings } from './push/push.config';
import { PushSender } from './push/push-sender';
import { OutboxPushProvider, outboxPushEnv } from './push/outbox';
import { WebPushProvider, defaultVapidSubject, loadOrCreateVapidKeys, webPushEnv } from './push/web-push';
import { FcmPushProvider } from './push/fcm';

/**
 * Every provider of every central kind (directory providers run on the agent: plugins/directory-registry.ts).
 * A new provider is its folder plus, here, its config in the kind's list and one
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

/** PUSH_PROVIDER picks how Web Push goes out; FCM joins either when LATCHKEY_FCM_SERVICE_ACCOUNT_FILE is set. */
export const pushKind = providerKind({
  selector: 'PUSH_PROVIDER',
  settings: pushSettings,
  providers: [outboxPushEnv, webPushEnv],
  fallback: 'outbox',
});

export type EmailConfig = ConfigOf<typeof emailKind>;
export type SmsConfig = ConfigOf<typeof smsKind>;
export type PushConfig = ConfigOf<typeof pushKind>;

export interface RegistryDeps {
  /** Required when a provider is 'outbox'. */
  outbox?: Outbox;
}

export interface PushRegistryDeps extends RegistryDeps {
  /** Where a generated VAPID key pair is kept (vapid.json) when none is configured. */
  dataDir: string;
  /** The VAPID subject's default, when it is https. */
  publicUrl: string;
  /** TLS for the push services; tests pass one that trusts their fakes' CA. */
  agent?: Agent;
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

/** The push sender: Web Push (or the outbox) for subscriptions, plus FCM for tokens when its key is configured. */
export function createPushProvider(config: PushConfig, deps: PushRegistryDeps): PushSender {
  const providers: PushProvider[] = [];
  switch (config.provider) {
    case 'outbox':
      providers.push(new OutboxPushProvider(outboxOf(deps)));
      break;
    case 'web-push':
      providers.push(
        new WebPushProvider({
          keys: config.vapid ?? loadOrCreateVapidKeys(deps.dataDir),
          subject: config.subject ?? defaultVapidSubject(deps.publicUrl),
          allowedHosts: config.allowedHosts,
          timeoutMs: config.timeoutMs,
          agent: deps.agent,
        }),
      );
      break;
    default:
      return assertNever(config);
  }
  if (config.fcmServiceAccountFile)
    providers.push(
      new FcmPushProvider({
        serviceAccountFile: config.fcmServiceAccountFile,
        timeoutMs: config.timeoutMs,
        agent: deps.agent,
      }),
    );
  return new PushSender(providers);
}
