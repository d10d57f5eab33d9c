import type { Config } from '../config';
import { Outbox } from '../../plugins/dev-outbox/outbox';
import type { Agent } from 'node:https';
import { createEmailProvider, createPushProvider, createSmsProvider } from '../../plugins/registry';
import type { CleanupStack } from './cleanup-stack';

/**
 * The configured email and SMS providers. The outbox exists only when some messages go to it; it is shown at
 * /outbox only then. It lives in this process's memory, so with separate api and worker processes only a
 * vendor provider (SMTP, Twilio) makes the worker's messages visible anywhere.
 */
export function buildProviders(
  config: Config,
  cleanups: CleanupStack,
  outboxForTests?: Outbox,
  pushAgentForTests?: Agent,
) {
  const usesOutbox =
    config.email.provider === 'outbox' || config.sms.provider === 'outbox' || config.push.provider === 'outbox';
  const outbox = usesOutbox ? (outboxForTests ?? new Outbox()) : undefined;
  const email = createEmailProvider(config.email, { outbox });
  const sms = createSmsProvider(config.sms, { outbox });
  // One sender for every target kind; the worker pushes through it, the API hands out its VAPID public key.
  const push = createPushProvider(config.push, {
    outbox,
    dataDir: config.dataDir,
    publicUrl: config.publicUrl,
    agent: pushAgentForTests,
  });
  cleanups.push('close the message providers', async () => {
    await email.close?.();
    await sms.close?.();
    await push.close();
  });
  /** What GET /api/device/v1/config answers as vapidPublicKey: null when pushes go to the outbox only. */
  const vapidPublicKey: string | null = push.applicationServerKey ?? null;
  return { outbox, email, sms, push, vapidPublicKey };
}

export type Providers = ReturnType<typeof buildProviders>;
