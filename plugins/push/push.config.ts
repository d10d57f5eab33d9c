import { z } from 'zod';
import { duration } from '../../common/env';
import { kindSettings } from '../provider-config';

/**
 * What every push provider shares: how long a push may take, and FCM, which joins whichever Web Push provider is
 * chosen (native apps hold FCM tokens, the web app holds Web Push subscriptions; one user may have either).
 */
export interface PushSettings {
  timeoutMs: number;
  /** The Firebase service account's JSON key file; FCM targets are reachable only when it is set. */
  fcmServiceAccountFile?: string;
}

export const pushSettings = kindSettings(
  {
    // A phone waits on this push; a service that takes longer is better retried than waited on.
    LATCHKEY_PUSH_TIMEOUT: duration('10s'),
    LATCHKEY_FCM_SERVICE_ACCOUNT_FILE: z.string().min(1, 'must be the path of a service account JSON key').optional(),
  },
  (vars): PushSettings => ({
    timeoutMs: vars.LATCHKEY_PUSH_TIMEOUT,
    fcmServiceAccountFile: vars.LATCHKEY_FCM_SERVICE_ACCOUNT_FILE,
  }),
);

/** The payload of every push, whatever the service: the event's type and id, nothing else (docs/app.md). */
export function pushPayload(event: { type: string; id: string }): { t: string; id: string } {
  return { t: event.type, id: event.id };
}

/** Retry-After is delta-seconds or an HTTP date; milliseconds from now, or undefined when absent or unreadable. */
export function retryAfterMs(header: unknown, now: number = Date.now()): number | undefined {
  const value = Array.isArray(header) ? header[0] : header;
  if (typeof value !== 'string' || value.trim() === '') return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/** Node's transport errors (ECONNREFUSED, ETIMEDOUT...) as a short label that is safe to put in a message. */
export function transportCode(error: unknown): string | undefined {
  const code = error instanceof Error ? (error as { code?: unknown }).code : undefined;
  return typeof code === 'string' && /^E[A-Z_]+$/.test(code) ? code : undefined;
}
