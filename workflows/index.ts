export { enrollmentWorkflow } from './enrollment.workflow';
export { passwordResetWorkflow } from './password-reset.workflow';
