import { z } from 'zod';
import { DEVICE_ACTIONS, DEVICE_LABEL_MAX_LENGTH, DEVICE_PROTECTIONS } from '../../../../common/domain/device';

const base64url = (max: number) =>
  z
    .string()
    .min(1)
    .max(max)
    .regex(/^[A-Za-z0-9_-]+$/, 'must be base64url');

/** Web Push's subscription as PushSubscription.toJSON() gives it, or an FCM registration token. */
export const pushTarget = z.discriminatedUnion('kind', [
  z
    .object({
      kind: z.literal('webpush'),
      subscription: z.object({
        endpoint: z.string().url().max(2048).startsWith('https://', 'must be an https:// URL'),
        keys: z.object({ p256dh: base64url(200), auth: base64url(64) }),
      }),
    })
    .strict(),
  z.object({ kind: z.literal('fcm'), token: z.string().min(1).max(4096) }).strict(),
]);

/** The WebAuthn JSON bodies are checked by SimpleWebAuthn itself; here only their size and shape. */
const webauthnJson = z
  .object({ id: base64url(1024), rawId: base64url(1024), type: z.literal('public-key') })
  .passthrough();

export const redeemBody = z.object({ token: z.string().max(200) }).strict();

export const registerBody = z
  .object({
    label: z.string().trim().min(1, 'must not be empty').max(DEVICE_LABEL_MAX_LENGTH),
    protection: z.enum(DEVICE_PROTECTIONS),
    signingKey: base64url(400),
    sealingKey: base64url(400),
    webauthn: webauthnJson.optional(),
    pin: z.string().max(16).optional(),
    push: pushTarget.nullable().optional(),
  })
  .strict();

export const pushBody = z.object({ push: pushTarget.nullable() }).strict();

export const challengeBody = z
  .object({ action: z.enum(DEVICE_ACTIONS), subject: z.string().min(1).max(200).optional() })
  .strict();

/** `POST /resets`: the signed challenge, with the assertion (biometric) or the PIN (pin) that proves the owner. */
export const resetBody = z
  .object({
    challengeId: z.string().uuid(),
    signature: z.string().regex(/^[A-Za-z0-9_-]{1,200}$/),
    webauthn: z.record(z.unknown()).optional(),
    pin: z.string().max(16).optional(),
  })
  .strict();
