/**
 * Workflow ids are visible in the Temporal UI and are never encrypted, so they carry only opaque ids: never a
 * username, an email address or a phone number.
 */
export function makeEnrollmentWorkflowId(userId: string): string {
  return `enrollment-${userId}`;
}
