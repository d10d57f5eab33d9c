/**
 * One interface per kind of provider. Activities depend on these, never on a vendor SDK, so adding a
 * provider means adding a folder under plugins/<kind>/<name> and a case in registry.ts (see docs/plugins.md).
 */

export interface OutgoingEmail {
  to: string;
  subject: string;
  html: string;
  text: string;
}

export interface SentMessage {
  /** The provider's own id for the message, for tracing a delivery with the vendor. */
  providerMessageId: string;
}

export interface EmailProvider {
  readonly kind: 'email';
  readonly id: string;
  send(message: OutgoingEmail): Promise<SentMessage>;
  healthCheck?(): Promise<void>;
  close?(): Promise<void>;
}

export interface OutgoingSms {
  /** E.164, for example +14155550123. */
  to: string;
  body: string;
}

export interface SmsProvider {
  readonly kind: 'sms';
  readonly id: string;
  send(message: OutgoingSms): Promise<SentMessage>;
  healthCheck?(): Promise<void>;
  close?(): Promise<void>;
}

export type Provider = EmailProvider | SmsProvider;
