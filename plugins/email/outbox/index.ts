export { OutboxEmailProvider } from './outbox-email.provider';
export { outboxEmailConfigSchema, outboxEmailEnv, type OutboxEmailConfig } from './outbox-email.config';
