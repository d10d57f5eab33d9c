export { enrollmentWorkflow } from './enrollment.workflow';
export { passwordResetWorkflow } from './password-reset.workflow';
export { purgeRateLimitsWorkflow } from './maintenance/purge-rate-limits.workflow';
