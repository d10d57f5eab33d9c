export { enrollmentWorkflow } from './enrollment.workflow';
