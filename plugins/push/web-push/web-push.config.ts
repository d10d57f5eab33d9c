import { z } from 'zod';
import { ConfigError } from '../../../common/errors';
import { providerEnv } from '../../provider-config';
import type { PushSettings } from '../push.config';
import { vapidKeysProblem } from './vapid-keys';

/** RFC 8292 §2.1: how a push service reaches the sender when something is wrong; Apple refuses anything else. */
const vapidSubject = z.string().refine((text) => {
  try {
    const url = new URL(text);
    return (url.protocol === 'mailto:' && url.pathname.includes('@')) || url.protocol === 'https:';
  } catch {
    return false;
  }
}, 'must be a mailto: address or an https: URL (a contact for the push services)');

const hostName = z
  .string()
  .regex(/^[a-z0-9.-]+$|^\[[0-9a-f:]+\]$/i, 'must be host names separated by commas, such as push.example.com');

export const webPushConfigSchema = z
  .object({
    provider: z.literal('web-push').default('web-push'),
    /** Unset: generated once into <dataDir>/vapid.json (plugins/push/web-push/vapid-keys.ts). */
    vapid: z.object({ publicKey: z.string(), privateKey: z.string() }).optional(),
    /** Unset: the public URL when it is https, else a mailto: placeholder (see defaultVapidSubject). */
    subject: vapidSubject.optional(),
    /**
     * Hosts beyond the browsers' own push services that a subscription's endpoint may name. The endpoint comes
     * from a phone, so without this list a paired device could make the server POST to any address it can reach.
     */
    allowedHosts: z.array(hostName).default([]),
    timeoutMs: z.number().int().positive().default(10_000),
    fcmServiceAccountFile: z.string().min(1).optional(),
  })
  .superRefine((config, ctx) => {
    if (!config.vapid) return;
    const problem = vapidKeysProblem(config.vapid);
    if (problem) ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['vapid'], message: problem });
  });

export type WebPushConfigInput = z.input<typeof webPushConfigSchema>;
export type WebPushConfig = z.output<typeof webPushConfigSchema>;

export function parseWebPushConfig(input: WebPushConfigInput): WebPushConfig {
  const result = webPushConfigSchema.safeParse(input);
  if (result.success) return result.data;
  // No values in the problems: the private key would end up in a start-up log.
  throw new ConfigError(
    result.error.issues.map((issue) => `web-push ${issue.path.join('.') || 'config'}: ${issue.message}`),
  );
}

/** The contact a push service sees: the MSP's own https site when it has one. */
export function defaultVapidSubject(publicUrl: string): string {
  const url = new URL(publicUrl);
  return url.protocol === 'https:' && url.hostname !== 'localhost' ? url.origin : 'mailto:latchkey@localhost.invalid';
}

/** PUSH_PROVIDER=web-push, or LATCHKEY_VAPID_PUBLIC_KEY set with PUSH_PROVIDER unset. */
export const webPushEnv = providerEnv({
  provider: 'web-push',
  variables: {
    LATCHKEY_VAPID_PUBLIC_KEY: z.string().min(1).optional(),
    LATCHKEY_VAPID_PRIVATE_KEY: z.string().min(1).optional(),
    LATCHKEY_VAPID_SUBJECT: vapidSubject.optional(),
    LATCHKEY_WEB_PUSH_ALLOWED_HOSTS: z
      .string()
      .optional()
      .transform((list) =>
        (list ?? '')
          .split(',')
          .map((host) => host.trim().toLowerCase())
          .filter(Boolean),
      ),
  },
  detectedBy: 'LATCHKEY_VAPID_PUBLIC_KEY',
  schema: webPushConfigSchema,
  sources: {
    vapid: 'LATCHKEY_VAPID_PUBLIC_KEY',
    subject: 'LATCHKEY_VAPID_SUBJECT',
    allowedHosts: 'LATCHKEY_WEB_PUSH_ALLOWED_HOSTS',
    timeoutMs: 'LATCHKEY_PUSH_TIMEOUT',
    fcmServiceAccountFile: 'LATCHKEY_FCM_SERVICE_ACCOUNT_FILE',
  },
  toInput: (vars, shared: PushSettings, problems) => {
    const publicKey = vars.LATCHKEY_VAPID_PUBLIC_KEY;
    const privateKey = vars.LATCHKEY_VAPID_PRIVATE_KEY;
    if (Boolean(publicKey) !== Boolean(privateKey))
      problems.add(
        'LATCHKEY_VAPID_PUBLIC_KEY and LATCHKEY_VAPID_PRIVATE_KEY: set both, or neither to keep a generated pair in <data>/vapid.json',
      );
    return {
      vapid: publicKey && privateKey ? { publicKey, privateKey } : undefined,
      subject: vars.LATCHKEY_VAPID_SUBJECT,
      allowedHosts: vars.LATCHKEY_WEB_PUSH_ALLOWED_HOSTS,
      timeoutMs: shared.timeoutMs,
      fcmServiceAccountFile: shared.fcmServiceAccountFile,
    };
  },
});
