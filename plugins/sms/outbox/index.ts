export { OutboxSmsProvider } from './outbox-sms.provider';
export { outboxSmsConfigSchema, outboxSmsEnv, type OutboxSmsConfig } from './outbox-sms.config';
