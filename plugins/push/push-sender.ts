import { ProviderConfigurationError } from '../errors';
import type { PushTarget } from '../../common/domain/device';
import type { OutgoingPush, PushProvider, SentMessage } from '../types';

/**
 * The one PushProvider the activities see: each push goes to the provider for its target's kind (a browser's
 * subscription to Web Push or the outbox, a native app's token to FCM). A kind no provider reaches is a
 * non-retryable configuration error, since only an operator can add that provider.
 */
export class PushSender implements PushProvider {
  readonly kind = 'push';
  readonly id: string;
  readonly targets: ReadonlyArray<PushTarget['kind']>;
  readonly applicationServerKey?: string;

  constructor(private readonly providers: readonly PushProvider[]) {
    this.id = providers.map((provider) => provider.id).join('+') || 'none';
    this.targets = [...new Set(providers.flatMap((provider) => provider.targets))];
    this.applicationServerKey = providers.find((provider) => provider.applicationServerKey)?.applicationServerKey;
  }

  send(push: OutgoingPush): Promise<SentMessage> {
    const provider = this.providers.find((candidate) => candidate.targets.includes(push.target.kind));
    if (!provider)
      return Promise.reject(
        new ProviderConfigurationError(`No push provider reaches ${push.target.kind} targets`, this.id),
      );
    return provider.send(push);
  }

  async close(): Promise<void> {
    for (const provider of this.providers) await provider.close?.();
  }
}
