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

/**
 * One workflow per lockout: the user and the lockout's own time make it, so that the same lockout reported twice
 * (a retried watch, a second agent) joins the running one, and a later lockout gets a new one.
 */
export function makeLockoutWorkflowId(clientId: string, userId: string, lockedAtMs: number): string {
  return `lockout-${clientId}-${userId}-${lockedAtMs}`;
}

/** One watch per client; its cursor lives in its state, where whichever agent answers next picks it up. */
export function makeLockoutWatchWorkflowId(clientId: string): string {
  return `lockout-watch-${clientId}`;
}

const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';
const ENROLLMENT_ID_PATTERN = new RegExp(`^enrollment-(${UUID})$`);

/** The user an enrollment workflow is for, read from its id; undefined for any other id. */
export function parseEnrollmentWorkflowId(workflowId: string): string | undefined {
  return ENROLLMENT_ID_PATTERN.exec(workflowId)?.[1];
}
const CLIENT_WORKFLOW_ID_PATTERN = new RegExp(`^(?:password-reset|lockout|lockout-watch)-(${UUID})(?:-|$)`);
const WHOLE_RESET_ID_PATTERN = new RegExp(`^password-reset-(${UUID})-(${UUID})$`);

/** The client whose agent takes part in this workflow, if any. */
export function clientIdOfWorkflowId(workflowId: string | undefined): string | undefined {
  return workflowId ? CLIENT_WORKFLOW_ID_PATTERN.exec(workflowId)?.[1] : undefined;
}

/**
 * The client and user a reset workflow is for, read from its id, which only its starter chose: the central
 * worker trusts this over anything in the workflow's input.
 */
export function parsePasswordResetWorkflowId(workflowId: string): { clientId: string; userId: string } | undefined {
  const match = WHOLE_RESET_ID_PATTERN.exec(workflowId);
  return match ? { clientId: match[1]!, userId: match[2]! } : undefined;
}

/**
 * One purge schedule per central task queue: production has one queue and so one schedule, while each test
 * runtime, which polls a queue of its own, gets a schedule of its own and never rewrites another's.
 */
export function makePurgeRateLimitsScheduleId(taskQueue: string): string {
  return `${taskQueue}:purge-rate-limits`;
}

/** One agent health watch per central task queue, for the same reason as the purge schedule. */
export function makeAgentHealthWatchWorkflowId(taskQueue: string): string {
  return `${taskQueue}:agent-health-watch`;
}

/** The console-session purge's schedule, one per central task queue as the rate-limit purge's. */
export function makePurgeConsoleSessionsScheduleId(taskQueue: string): string {
  return `${taskQueue}:purge-console-sessions`;
}

/** The server names a scheduled run `<action's workflow id>-<nominal time, RFC 3339 UTC>`. */
const SCHEDULED_RUN_PATTERN = /^(.+:purge-(?:rate-limits|console-sessions))-\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;

/**
 * The workflow id a payload of this workflow is bound to. For a run that one of our schedules started, it is the
 * schedule action's workflow id: the schedule's arguments are sealed under that id before any run exists, and
 * each run receives the previous run's result. Every other workflow is bound to its own id.
 */
export function payloadBindingIdOfWorkflowId(workflowId: string): string {
  return SCHEDULED_RUN_PATTERN.exec(workflowId)?.[1] ?? workflowId;
}
