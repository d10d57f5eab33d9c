import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { inspect } from 'node:util';
import {
  InvalidRecipientError,
  ProviderConfigurationError,
  ProviderRateLimitedError,
  ProviderUnavailableError,
} from '../../errors';
import type { OutgoingPush } from '../../types';
import { PushServiceUnavailable, PushTargetGone } from '../errors';
import {
  decryptPush,
  startFakePushService,
  type FakePushService,
  type FakeSubscription,
} from '../../../test/fakes/fake-push-service';
import { WebPushProvider } from './web-push.provider';
import { loadOrCreateVapidKeys } from './vapid-keys';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

describe('WebPushProvider against a fake RFC 8030 push service', () => {
  let service: FakePushService;
  let provider: WebPushProvider;
  let dataDir: string;

  const pushTo = (subscription: FakeSubscription, overrides: Partial<OutgoingPush> = {}): OutgoingPush => ({
    target: { kind: 'webpush', subscription: { endpoint: subscription.endpoint, keys: subscription.keys } },
    event: { type: 'reset_ready', id: 'rst_8f2c' },
    urgency: 'high',
    ttlSeconds: 900,
    topic: 'reset-u1',
    ...overrides,
  });

  before(async () => {
    service = await startFakePushService();
    dataDir = mkdtempSync(join(tmpdir(), 'latchkey-vapid-'));
    provider = new WebPushProvider({
      keys: loadOrCreateVapidKeys(dataDir),
      subject: 'mailto:ops@msp.example',
      allowedHosts: ['127.0.0.1'],
      timeoutMs: 1_000,
      agent: service.agent(),
    });
  });
  after(async () => {
    await service.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('delivers {t, id} and nothing else, end-to-end encrypted to the subscription', async () => {
    const subscription = service.subscribe({ applicationServerKey: provider.applicationServerKey });
    const sent = await provider.send(pushTo(subscription));
    assert.ok(sent.providerMessageId);
    const push = await service.waitFor((p) => p.endpoint === subscription.endpoint);
    assert.deepEqual(JSON.parse(push.plaintext), { t: 'reset_ready', id: 'rst_8f2c' });
    assert.equal(push.plaintext, '{"t":"reset_ready","id":"rst_8f2c"}');
    assert.ok(!push.body.includes(Buffer.from('rst_8f2c')), 'the push service sees ciphertext only');
    assert.ok(!push.body.includes(Buffer.from('reset_ready')));
    assert.throws(() => decryptPush(push.body, subscription.privateKey, randomBytes(16)), 'another auth secret fails');
    assert.equal(push.vapidKey, provider.applicationServerKey);
  });

  it('sends Urgency, TTL and Topic as asked, with aes128gcm', async () => {
    const subscription = service.subscribe();
    await provider.send(pushTo(subscription, { urgency: 'normal', ttlSeconds: 60, topic: 'lockout-u7' }));
    const push = await service.waitFor((p) => p.endpoint === subscription.endpoint);
    assert.equal(push.headers.urgency, 'normal');
    assert.equal(push.headers.ttl, '60');
    assert.equal(push.headers.topic, 'lockout-u7');
    assert.equal(push.headers['content-encoding'], 'aes128gcm');
    await provider.send(pushTo(subscription, { topic: undefined, ttlSeconds: 0 }));
    const second = service.received.filter((p) => p.endpoint === subscription.endpoint)[1]!;
    assert.equal(second.headers.topic, undefined);
    assert.equal(second.headers.urgency, 'high');
    assert.equal(second.headers.ttl, '0');
  });

  it('reports 404 and 410 as PushTargetGone, without the endpoint in the error', async () => {
    for (const status of [404, 410] as const) {
      const subscription = service.subscribe();
      service.failNext(subscription.endpoint, { status });
      const error = await provider.send(pushTo(subscription)).then(
        () => undefined,
        (e: unknown) => e,
      );
      assert.ok(error instanceof PushTargetGone, `HTTP ${status}: ${String(error)}`);
      assert.equal(error.retryable, false);
      assert.match(error.message, new RegExp(`HTTP ${status}`));
      const rendered = inspect(error, { depth: 5 });
      assert.ok(!rendered.includes(new URL(subscription.endpoint).pathname), rendered);
    }
    const expired = service.subscribe();
    service.expire(expired.endpoint);
    await assert.rejects(provider.send(pushTo(expired)), PushTargetGone);
  });

  it('reports 429 as rate limited with Retry-After, and 5xx as retryable', async () => {
    const subscription = service.subscribe();
    service.failNext(subscription.endpoint, { status: 429, retryAfter: '7' });
    const limited = await provider.send(pushTo(subscription)).catch((e: unknown) => e);
    assert.ok(limited instanceof ProviderRateLimitedError);
    assert.equal(limited.retryAfterMs, 7_000);
    assert.equal(limited.retryable, true);
    for (const status of [500, 503] as const) {
      service.failNext(subscription.endpoint, { status });
      const error = await provider.send(pushTo(subscription)).catch((e: unknown) => e);
      assert.ok(error instanceof PushServiceUnavailable && error instanceof ProviderUnavailableError, String(error));
      assert.equal(error.retryable, true);
    }
  });

  it('treats 413 as a permanent refusal', async () => {
    const subscription = service.subscribe();
    service.failNext(subscription.endpoint, { status: 413 });
    const error = await provider.send(pushTo(subscription)).catch((e: unknown) => e);
    assert.ok(error instanceof ProviderConfigurationError);
    assert.equal(error.retryable, false);
  });

  it('gives up on a slow push service after its timeout, as a retryable failure', async () => {
    const subscription = service.subscribe();
    service.failNext(subscription.endpoint, { delayMs: 3_000 });
    const started = Date.now();
    const error = await provider.send(pushTo(subscription)).catch((e: unknown) => e);
    assert.ok(error instanceof PushServiceUnavailable, String(error));
    assert.match(error.message, /did not answer in time/);
    assert.ok(Date.now() - started < 2_500, 'the timeout, not the service, ended the wait');
  });

  it('refuses a VAPID key the subscription was not made with (the service says 403)', async () => {
    const subscription = service.subscribe({ applicationServerKey: 'BOtherKey' });
    const error = await provider.send(pushTo(subscription)).catch((e: unknown) => e);
    assert.ok(error instanceof ProviderConfigurationError);
    assert.equal(service.refused.at(-1)?.status, 403);
  });

  it('sends nowhere but a known push service or an allowed host', async () => {
    const strict = new WebPushProvider({
      keys: loadOrCreateVapidKeys(dataDir),
      subject: 'mailto:ops@msp.example',
      timeoutMs: 1_000,
      agent: service.agent(),
    });
    const subscription = service.subscribe();
    const before = service.received.length + service.refused.length;
    for (const endpoint of [subscription.endpoint, 'http://fcm.googleapis.com/fcm/send/x', 'https://10.0.0.5/push/x']) {
      const push = pushTo({ ...subscription, endpoint });
      await assert.rejects(strict.send(push), InvalidRecipientError, endpoint);
    }
    assert.equal(service.received.length + service.refused.length, before, 'no request was made');
  });

  it('refuses a topic push services would reject, before sending', async () => {
    const subscription = service.subscribe();
    await assert.rejects(provider.send(pushTo(subscription, { topic: 'not a topic!' })), ProviderConfigurationError);
    await assert.rejects(provider.send(pushTo(subscription, { topic: 'x'.repeat(33) })), ProviderConfigurationError);
  });

  it('reports a push service that cannot be reached as retryable', async () => {
    const subscription = service.subscribe();
    const dead = pushTo({ ...subscription, endpoint: 'https://127.0.0.1:9/push/x' });
    const error = await provider.send(dead).catch((e: unknown) => e);
    assert.ok(error instanceof PushServiceUnavailable, String(error));
    assert.match(error.message, /ECONNREFUSED/);
  });
});
