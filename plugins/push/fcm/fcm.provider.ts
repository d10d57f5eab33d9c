import { randomUUID } from 'node:crypto';
import type { Agent } from 'node:https';
import { cert, deleteApp, initializeApp, type App } from 'firebase-admin/app';
import { getMessaging, type Message, type Messaging } from 'firebase-admin/messaging';
import { ProviderConfigurationError } from '../../errors';
import type { OutgoingPush, PushProvider, SentMessage } from '../../types';
import { PushServiceUnavailable } from '../errors';
import { pushPayload } from '../push.config';
import { readServiceAccount } from './service-account';
import { toProviderError } from './to-provider-error';

export interface FcmProviderOptions {
  /** The JSON key file's path, checked already by readServiceAccount. */
  serviceAccountFile: string;
  timeoutMs: number;
  /** Carries both the OAuth token request and the FCM call; tests pass one that reaches their fakes. */
  agent?: Agent;
}

/**
 * FCM's HTTP v1 API through firebase-admin, for native builds of the app. Only `send()`: sendEach() speaks
 * HTTP/2 on a connection of its own that no agent reaches, so it could be neither configured nor tested.
 * FCM does not encrypt end to end, which is one more reason the message is `{t, id}` and nothing else.
 */
export class FcmPushProvider implements PushProvider {
  readonly kind = 'push';
  readonly id = 'fcm';
  readonly targets = ['fcm'] as const;
  private readonly app: App;
  private readonly messaging: Messaging;

  constructor(private readonly options: FcmProviderOptions) {
    const { serviceAccountFile, agent } = options;
    const { projectId } = readServiceAccount(serviceAccountFile);
    // cert() gets the path, not the parsed key: given an object, firebase-admin 13.10 builds its token client
    // without the agent (populateGoogleAuth's auth.fromJSON drops clientOptions), and the token request would go
    // straight to oauth2.googleapis.com whatever agent was passed.
    // A name of its own: firebase-admin keeps apps in a process-wide registry, and two providers (or two test
    // stacks) must not share or delete each other's.
    this.app = initializeApp(
      { credential: cert(serviceAccountFile, agent), httpAgent: agent, projectId },
      `latchkey-fcm-${randomUUID()}`,
    );
    this.messaging = getMessaging(this.app);
  }

  async send(push: OutgoingPush): Promise<SentMessage> {
    if (push.target.kind !== 'fcm')
      throw new ProviderConfigurationError(`fcm cannot reach a ${push.target.kind} target`, this.id);
    const message = fcmMessage(push.target.token, push);
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new PushServiceUnavailable('FCM did not answer in time', this.id)),
        this.options.timeoutMs,
      );
    });
    try {
      const name = await Promise.race([this.messaging.send(message), deadline]);
      return { providerMessageId: name.split('/').pop() || name };
    } catch (error) {
      throw toProviderError(error);
    } finally {
      clearTimeout(timer);
    }
  }

  async close(): Promise<void> {
    await deleteApp(this.app);
  }
}

/**
 * A data-only message: the app's code decides what to show, so nothing readable travels through Google or Apple.
 * Android's priority follows the urgency (high wakes a dozing phone). APNs allows a data-only (content-available)
 * push only at priority 5 and as a background push, so there urgency cannot raise it; expiry and collapse follow
 * the TTL and topic on both.
 */
export function fcmMessage(token: string, push: OutgoingPush): Message {
  const data = pushPayload(push.event);
  const expiresAt = Math.floor(Date.now() / 1000) + push.ttlSeconds;
  return {
    token,
    data,
    android: {
      priority: push.urgency === 'high' ? 'high' : 'normal',
      ttl: push.ttlSeconds * 1000,
      ...(push.topic ? { collapseKey: push.topic } : {}),
    },
    apns: {
      headers: {
        'apns-priority': '5',
        'apns-push-type': 'background',
        'apns-expiration': String(expiresAt),
        ...(push.topic ? { 'apns-collapse-id': push.topic } : {}),
      },
      payload: { aps: { contentAvailable: true } },
    },
  };
}
