export { OutboxEmailProvider } from './outbox-email.provider';
