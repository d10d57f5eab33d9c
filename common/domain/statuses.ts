/**
 * The statuses Latchkey stores and reports, each written once. Lists rather than union types so that the zod
 * schemas and the OpenAPI document enumerate the very same values (`z.enum(USER_STATUSES)`).
 */

/** Where a user stands with Latchkey. The enrollment workflow moves it; the API reports and filters by it. */
export const USER_STATUSES = [
  'inactive',
  'invited',
  'enrolling',
  'blocked',
  'enrolled_app',
  'enrolled_sms',
  'expired',
  'deactivated',
] as const;
export type UserStatus = (typeof USER_STATUSES)[number];

/** A user in one of these has a phone on file that resets can be sent to. */
export const ENROLLED_STATUSES: readonly UserStatus[] = ['enrolled_app', 'enrolled_sms'];
/** Statuses in which an enrollment workflow is running for the user. */
export const ENROLLING_STATUSES: readonly UserStatus[] = ['invited', 'enrolling', 'blocked'];

/** The database's projection of one enrollment workflow; coarser than the workflow's own EnrollmentStep. */
export const ENROLLMENT_STATUSES = [
  'invited',
  'enrolling',
  'blocked',
  'enrolled_app',
  'enrolled_sms',
  'expired',
  'cancelled',
] as const;
export type EnrollmentStatus = (typeof ENROLLMENT_STATUSES)[number];

/** An agent as the API shows it: revoked, or online until it has missed two heartbeats (agent-health.ts). */
export const AGENT_STATUSES = ['online', 'offline', 'revoked'] as const;
export type AgentStatus = (typeof AGENT_STATUSES)[number];

/** What activating one user did: started an enrollment, found one running or finished, or found no such user. */
export const ACTIVATION_OUTCOMES = ['activated', 'already_activated', 'already_enrolled', 'not_found'] as const;
export type ActivationOutcome = (typeof ACTIVATION_OUTCOMES)[number];
