import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { inspect } from 'node:util';
import { ProviderRateLimitedError } from '../../errors';
import type { OutgoingPush } from '../../types';
import { PushServiceUnavailable, PushTargetGone } from '../errors';
import { startFakeFcm, type FakeFcm } from '../../../test/fakes/fake-fcm';
import { FcmPushProvider } from './fcm.provider';

const push = (token: string, overrides: Partial<OutgoingPush> = {}): OutgoingPush => ({
  target: { kind: 'fcm', token },
  event: { type: 'reset_ready', id: 'rst_41' },
  urgency: 'high',
  ttlSeconds: 600,
  topic: 'reset-u1',
  ...overrides,
});

describe('FcmPushProvider against fake Google OAuth and FCM', () => {
  let fcm: FakeFcm;
  let provider: FcmPushProvider;

  before(async () => {
    fcm = await startFakeFcm();
    provider = new FcmPushProvider({
      serviceAccountFile: fcm.serviceAccountFile,
      timeoutMs: 2_000,
      agent: fcm.agent(),
    });
  });
  after(async () => {
    await provider.close();
    await fcm.close();
  });

  it('fetches a token with a valid assertion and sends a data-only {t, id}', async () => {
    const sent = await provider.send(push('device-token-1'));
    assert.ok(sent.providerMessageId);
    assert.equal(fcm.tokenGrants.length, 1);
    assert.equal(fcm.tokenGrants[0]!.iss, fcm.clientEmail);
    const recorded = await fcm.waitFor((m) => m.message.token === 'device-token-1');
    assert.deepEqual(recorded.message.data, { t: 'reset_ready', id: 'rst_41' });
    assert.equal(recorded.message.notification, undefined, 'nothing readable for Google or Apple to show');
    assert.deepEqual(Object.keys(recorded.message).sort(), ['android', 'apns', 'data', 'token']);
    const android = recorded.message.android as Record<string, unknown>;
    assert.equal(android.priority, 'high');
    assert.equal(android.ttl, '600s');
    assert.equal(android.collapse_key, 'reset-u1');
    const apns = recorded.message.apns as {
      headers: Record<string, string>;
      payload: { aps: Record<string, unknown> };
    };
    assert.equal(apns.headers['apns-collapse-id'], 'reset-u1');
    assert.equal(apns.payload.aps['content-available'], 1);
    assert.deepEqual(fcm.refused, []);
  });

  it('reuses its access token for later sends', async () => {
    await provider.send(push('device-token-2', { urgency: 'normal', topic: undefined }));
    const recorded = await fcm.waitFor((m) => m.message.token === 'device-token-2');
    assert.equal((recorded.message.android as Record<string, unknown>).priority, 'normal');
    assert.equal(fcm.tokenGrants.length, 1);
  });

  it('reports UNREGISTERED and a malformed token as PushTargetGone, without the token', async () => {
    for (const [token, code] of [
      ['gone-token-abc', 'UNREGISTERED'],
      ['bad-token-xyz', 'INVALID_ARGUMENT'],
    ] as const) {
      fcm.failToken(token, code);
      const error = await provider.send(push(token)).catch((e: unknown) => e);
      assert.ok(error instanceof PushTargetGone, `${code}: ${String(error)}`);
      assert.equal(error.retryable, false);
      assert.ok(!inspect(error, { depth: 5 }).includes(token));
    }
  });

  it('reports quota and unavailability as retryable', async () => {
    fcm.failToken('busy-token', 'QUOTA_EXCEEDED');
    assert.ok((await provider.send(push('busy-token')).catch((e: unknown) => e)) instanceof ProviderRateLimitedError);
    fcm.failToken('down-token', 'UNAVAILABLE');
    const down = await provider.send(push('down-token')).catch((e: unknown) => e);
    assert.ok(down instanceof PushServiceUnavailable, String(down));
  });

  it('cannot leave the machine: a host without a fake is refused at connect', async () => {
    const agent = fcm.agent();
    const error = await new Promise<Error>((resolve) => {
      const request = (agent as unknown as { createConnection: Function }).createConnection(
        { host: 'www.google.com', port: 443 },
        (e: Error) => resolve(e),
      );
      assert.equal(request, undefined);
    });
    assert.match(error.message, /no fake for www.google.com/);
  });
});
