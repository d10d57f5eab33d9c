import { randomUUID } from 'node:crypto';
import type { Agent } from 'node:https';
import webpush from 'web-push';
import { InvalidRecipientError, ProviderConfigurationError } from '../../errors';
import type { OutgoingPush, PushProvider, SentMessage } from '../../types';
import { pushPayload } from '../push.config';
import { webPushEndpointProblem } from './endpoint-policy';
import { toProviderError } from './to-provider-error';
import type { VapidKeys } from './vapid-keys';

export interface WebPushProviderOptions {
  keys: VapidKeys;
  /** mailto: or https:, resolved already (see defaultVapidSubject). */
  subject: string;
  allowedHosts?: readonly string[];
  timeoutMs: number;
  /** Where the TLS trust for the push services comes from; tests pass one that trusts their CA. */
  agent?: Agent;
}

/** RFC 8030 §5.4: a topic is at most 32 characters of the URL-safe base64 alphabet. */
const TOPIC = /^[A-Za-z0-9_-]{1,32}$/;

/**
 * Web Push with VAPID (RFC 8030, 8291, 8292) through web-push 3.6.7, for the installed web app. The payload is
 * encrypted to the subscription's keys, so the push service relays `{t, id}` without reading it.
 */
export class WebPushProvider implements PushProvider {
  readonly kind = 'push';
  readonly id = 'web-push';
  readonly targets = ['webpush'] as const;
  readonly applicationServerKey: string;

  constructor(private readonly options: WebPushProviderOptions) {
    this.applicationServerKey = options.keys.publicKey;
  }

  async send(push: OutgoingPush): Promise<SentMessage> {
    if (push.target.kind !== 'webpush')
      throw new ProviderConfigurationError(`web-push cannot reach a ${push.target.kind} target`, this.id);
    const { subscription } = push.target;
    const problem = webPushEndpointProblem(subscription.endpoint, this.options.allowedHosts);
    if (problem) throw new InvalidRecipientError(`Refused to push: ${problem}`, this.id);
    if (push.topic !== undefined && !TOPIC.test(push.topic))
      throw new ProviderConfigurationError('A push topic must be 1-32 URL-safe base64 characters', this.id);
    const host = new URL(subscription.endpoint).host;
    try {
      const sent = await webpush.sendNotification(subscription, JSON.stringify(pushPayload(push.event)), {
        vapidDetails: { subject: this.options.subject, ...this.options.keys },
        TTL: push.ttlSeconds,
        urgency: push.urgency,
        topic: push.topic,
        contentEncoding: 'aes128gcm',
        timeout: this.options.timeoutMs,
        agent: this.options.agent,
      });
      return { providerMessageId: messageIdOf(sent.headers.location) };
    } catch (error) {
      throw toProviderError(error, host);
    }
  }
}

/** RFC 8030 §5: the push message's resource (Location); its last segment is enough to trace it with the service. */
function messageIdOf(location: unknown): string {
  const text = Array.isArray(location) ? location[0] : location;
  const last = typeof text === 'string' ? text.split('/').filter(Boolean).pop() : undefined;
  return last && /^[\w.~-]{1,200}$/.test(last) ? last : randomUUID();
}
