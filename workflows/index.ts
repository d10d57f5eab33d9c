// The bundle's entry (server/worker.ts and the replay test point workflowsPath here): one line per workflow.
export { enrollmentWorkflow } from './enrollment/enrollment.workflow';
export { passwordResetWorkflow, signedPasswordResetWorkflow } from './password-reset/password-reset.workflow';
export { purgeRateLimitsWorkflow } from './maintenance/purge-rate-limits.workflow';
export { purgeConsoleSessionsWorkflow } from './maintenance/purge-console-sessions.workflow';
export { accountLockoutWorkflow } from './lockout/account-lockout.workflow';
export { lockoutWatchWorkflow } from './lockout-watch/lockout-watch.workflow';
export { agentHealthWatchWorkflow } from './agent-health/agent-health-watch.workflow';
