/**
 * Workflow ids are visible in the Temporal UI and are never encrypted, so they carry only opaque ids: never a
 * username, an email address or a phone number.
 */
export function makeEnrollmentWorkflowId(userId: string): string {
  return `enrollment-${userId}`;
}

/**
 * One reset per user at a time: a second request with the same id joins the running one. The client id leads,
 * because the payload codec reads it from here to encrypt the reset with that client's own key.
 */
export function makePasswordResetWorkflowId(clientId: string, userId: string): string {
  return `password-reset-${clientId}-${userId}`;
}

const RESET_ID_PATTERN = /^password-reset-([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})-/;

/** The client whose agent takes part in this workflow, if any. */
export function clientIdOfWorkflowId(workflowId: string | undefined): string | undefined {
  return workflowId ? RESET_ID_PATTERN.exec(workflowId)?.[1] : undefined;
}
