import type { PushEvent, PushTarget } from '../common/domain/device';

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

/** One push: where it goes and what it says. The payload is an event type and an id, never a secret. */
export interface OutgoingPush {
  target: PushTarget;
  event: PushEvent;
  /** high for a lockout or a waiting password: it must wake a dozing phone (RFC 8030 §5.3). */
  urgency: 'high' | 'normal';
  /** How long the push service may hold it for a phone that is off; a stale alert is worse than none. */
  ttlSeconds: number;
  /** Pushes with the same topic replace each other at the push service (base64url, ≤ 32 characters). */
  topic?: string;
}

/**
 * Web Push (VAPID) for the installed web app, FCM for native builds, the outbox in development. A push service
 * that answers 404 or 410 has forgotten the subscription: send() then throws PushTargetGone (plugins/push/errors.ts),
 * and the caller deletes it.
 */
export interface PushProvider {
  readonly kind: 'push';
  readonly id: string;
  /** Which target kinds this provider can reach. */
  readonly targets: ReadonlyArray<PushTarget['kind']>;
  send(push: OutgoingPush): Promise<SentMessage>;
  /** The VAPID public key the app subscribes with (base64url, uncompressed P-256), for Web Push providers. */
  readonly applicationServerKey?: string;
  healthCheck?(): Promise<void>;
  close?(): Promise<void>;
}

export type Provider = EmailProvider | SmsProvider | PushProvider;
