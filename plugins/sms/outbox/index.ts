export { OutboxSmsProvider } from './outbox-sms.provider';
