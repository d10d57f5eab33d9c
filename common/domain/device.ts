/**
 * The Latchkey app's devices, as the server, the workflows and the app agree on them. docs/app.md describes the
 * device API that carries these shapes; nothing here is a secret, and no type here holds one in clear.
 */

/** pending_match: registered from a QR code, waiting for the user to pick its number on the enrollment page. */
export const DEVICE_STATUSES = ['pending_match', 'active', 'revoked'] as const;
export type DeviceStatus = (typeof DEVICE_STATUSES)[number];

/** biometric: a WebAuthn platform credential, user verification required. pin: a PIN that the server checks. */
export const DEVICE_PROTECTIONS = ['biometric', 'pin'] as const;
export type DeviceProtection = (typeof DEVICE_PROTECTIONS)[number];

/** Why a device stopped working; shown to the technician and in the audit log. */
export const DEVICE_REVOCATIONS = ['unpaired', 'pin_failures', 'technician', 'wrong_match', 'replaced'] as const;
export type DeviceRevocation = (typeof DEVICE_REVOCATIONS)[number];

/** Wrong PINs in a row after which the device is revoked, and the user pairs again through SMS. */
export const PIN_FAILURES_BEFORE_REVOKE = 5;
/** How long a pairing token (in a QR code or a texted link) can be redeemed. */
export const PAIRING_TOKEN_TTL_MS = 10 * 60_000;
/** How long an action's challenge can be answered. */
export const ACTION_CHALLENGE_TTL_MS = 2 * 60_000;

/** What a device may be asked to approve; each approval signs one single-use challenge for it. */
export const DEVICE_ACTIONS = ['reset', 'unlock'] as const;
export type DeviceAction = (typeof DEVICE_ACTIONS)[number];

/** Where a push goes: a browser's Web Push subscription, or a native app's FCM registration token. */
export type PushTarget =
  | { kind: 'webpush'; subscription: { endpoint: string; keys: { p256dh: string; auth: string } } }
  | { kind: 'fcm'; token: string };

/**
 * What a push carries, and all it carries: no secret, nothing personal. The app fetches the details over its
 * authenticated API, so a push seen by the push service, or a push that never arrives, gives nothing away.
 */
export interface PushEvent {
  /** reset_ready: a password waits in the app. lockout: the account locked (issue 10). */
  type: 'reset_ready' | 'lockout';
  id: string;
}

/** The exact text a device signs for an action: the domain, the action, the challenge and what it is about. */
export function deviceActionMessage(input: {
  action: DeviceAction;
  challengeId: string;
  challenge: string;
  subject?: string | null;
}): string {
  return ['latchkey-device-action-v1', input.action, input.challengeId, input.challenge, input.subject ?? ''].join(
    '\n',
  );
}

/**
 * How far a reset started from the app has got, for its countdown. Each stage is a fact the server knows, not a
 * guess from a timer: the request is checked, the command is with the client's agent, the password is waiting.
 */
export const APP_RESET_STAGES = ['checking', 'setting', 'ready', 'failed'] as const;
export type AppResetStage = (typeof APP_RESET_STAGES)[number];

/** A label the user gives the phone, shown to the technician: trimmed, at most this long. */
export const DEVICE_LABEL_MAX_LENGTH = 60;

/** Where a pairing token goes: in the fragment, so that no access log, proxy or Referer ever carries it. */
export function pairingLink(appUrl: string, token: string): string {
  return `${appUrl.replace(/\/+$/, '')}/pair#t=${token}`;
}

/** What the enrollment page's pairing step shows, as `GET /enroll/pairing` answers it. */
export const ENROLLMENT_PAIRING_STATES = ['waiting', 'match', 'paired', 'expired'] as const;
export type EnrollmentPairingState = (typeof ENROLLMENT_PAIRING_STATES)[number];
