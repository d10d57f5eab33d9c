/**
 * How a reset was asked for: a texted RESET from the user's phone, a technician through the API, or the
 * "Reset Password" button in the user's paired app.
 */
export const RESET_CHANNELS = ['sms', 'technician', 'app'] as const;
export type ResetChannel = (typeof RESET_CHANNELS)[number];

/**
 * Where a reset stands. `pending` is written before its workflow starts, and the central worker acts only on a
 * reset whose row is still pending; the others are how it ended. `set_not_delivered`: the directory took the new
 * password but it could not be texted, so nobody knows it; a technician must act.
 */
export const RESET_STATUSES = ['pending', 'completed', 'failed', 'set_not_delivered', 'refused'] as const;
export type ResetStatus = (typeof RESET_STATUSES)[number];
export type EndedResetStatus = Exclude<ResetStatus, 'pending'>;

/** Why a reset was refused before anything reached the directory. */
export const RESET_REFUSAL_REASONS = ['not_enrolled', 'rate_limited'] as const;
export type ResetRefusalReason = (typeof RESET_REFUSAL_REASONS)[number];

/** One ended reset, as the reset history records it; never the password. */
export interface ResetOutcome {
  resetId: string;
  userId: string;
  clientId: string;
  channel: ResetChannel;
  /** "api-key:<id>" for a technician, "sms" for a texted RESET. */
  requestedBy: string;
  status: EndedResetStatus;
  failureCode: string | null;
}

/** A reset that Latchkey asked for and that has not ended yet: what the central worker checks before acting. */
export interface PendingReset {
  resetId: string;
  userId: string;
  clientId: string;
  channel: ResetChannel;
  requestedBy: string;
  requestedAt: Date;
  /** An app reset's device, once its command is signed; null or absent otherwise. */
  deviceId?: string | null;
}

/** The failure code the reset workflow records when the password was set but could not be texted. */
export const SET_NOT_DELIVERED_CODE = 'password_set_not_delivered';

/** How a reset's workflow ended, as the API returns it; never the password. */
export type PasswordResetResult =
  | { status: 'completed'; resetId: string; unlocked: boolean }
  | { status: 'refused'; resetId: string; reason: ResetRefusalReason }
  | { status: 'failed'; resetId: string; code: string; userMessage: string };

/** The failure code of a step that the client's daily ceiling on texts refused, before anything was set. */
export const SMS_CEILING_CODE = 'sms_daily_limit_reached';
