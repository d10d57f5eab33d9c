import type { AuditAction } from '../../../common/domain/audit-actions';

/**
 * Each audit action in words, for the console's timeline and audit log. A Record over every action, so a new
 * action fails the type check until it is given words here.
 */
export const AUDIT_WORDS: Record<AuditAction, string> = {
  'client.created': 'Client created',
  'client.settings_changed': 'Client policy changed',
  'api_key.issued': 'API key issued',
  'api_key.revoked': 'API key revoked',
  'user.created': 'User added',
  'user.activated': 'Activated',
  'user.deactivated': 'Deactivated',
  'user.activation_resent': 'Activation resend asked for',
  'activation.email_sent': 'Activation email sent',
  'activation.resent': 'Activation email resent',
  'enrollment.link_opened': 'Opened the activation link',
  'enrollment.code_sent': 'Verification code texted',
  'enrollment.code_rejected': 'Wrong verification code',
  'enrollment.blocked': 'Enrollment blocked after wrong codes',
  'enrollment.unblocked': 'Enrollment unblocked',
  'enrollment.phone_verified': 'Phone verified',
  'enrollment.completed': 'Enrolled',
  'enrollment.expired': 'Enrollment expired',
  'enrollment.cancelled': 'Enrollment cancelled',
  'enrollment.owner_notified': 'Owner told of the enrollment',
  'enrollment.disowned': 'Enrollment disowned by the owner',
  'enrollment.app_chosen': 'Chose the app',
  'enrollment.app_link_sent': 'App link sent',
  'rate_limit.exceeded': 'Refused: too many requests',
  'reset.requested': 'Password reset requested',
  'reset.refused': 'Password reset refused',
  'reset.completed': 'Password reset completed',
  'reset.failed': 'Password reset failed',
  'reset.set_not_delivered': 'Password set but not delivered',
  'agent.created': 'Agent credential issued',
  'agent.revoked': 'Agent revoked',
  'agent.command_refused': 'Agent refused a command',
  'client.keys_rotated': 'Client keys rotated',
  'sms.opted_out': 'Texted STOP',
  'sms.opted_in': 'Texted START',
  'sms.reset_rejected': 'Text reset refused',
  'sms.reset_locked': 'Text reset locked after wrong PINs',
  'sms.reset_unlocked': 'Text reset lock lifted',
  'msp.alerted': 'MSP alerted',
  'codec.signed_in': 'Signed in to the codec',
  'codec.decoded': 'Workflow decoded',
  'technician.created': 'Technician created',
  'technician.disabled': 'Technician disabled',
  'technician.signed_in': 'Technician signed in',
  'technician.sign_in_refused': 'Technician sign-in refused',
  'technician.signed_out': 'Technician signed out',
  'sso.configured': 'Single sign-on set up',
  'sso.removed': 'Single sign-on removed',
  'technician.passkey_added': 'Technician passkey added',
  'pairing.issued': 'Pairing code issued',
  'pairing.redeemed': 'Pairing code used',
  'device.registered': 'Phone registered',
  'device.paired': 'Phone paired',
  'device.pair_link_sent': 'Pairing link sent',
  'device.match_failed': 'Pairing match failed',
  'device.unpaired': 'Phone unpaired',
  'device.revoked': 'Phone removed',
  'device.pin_failed': 'Wrong app PIN',
  'lockout.detected': 'Locked out',
  'lockout.notice_sent': 'Lockout notice sent',
  'lockout.unlock_requested': 'Unlock requested',
  'lockout.unlock_refused': 'Unlock refused',
  'lockout.unlock_failed': 'Unlock failed',
  'lockout.unlocked': 'Unlocked',
  'lockout.reset_chosen': 'Reset chosen for a lockout',
  'lockout.ended': 'Lockout ended',
};

/** The timeline's groups, by the action's first word: what the page's icons and filters go by. */
export type StepKind = 'enrollment' | 'device' | 'reset' | 'lockout' | 'other';

export function stepKindOf(action: AuditAction): StepKind {
  const prefix = action.slice(0, action.indexOf('.'));
  if (['user', 'activation', 'enrollment'].includes(prefix)) return 'enrollment';
  if (['device', 'pairing'].includes(prefix)) return 'device';
  if (prefix === 'reset') return 'reset';
  if (prefix === 'lockout') return 'lockout';
  return 'other';
}
