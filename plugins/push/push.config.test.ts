import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { Problems } from '../../common/env';
import { Outbox } from '../dev-outbox/outbox';
import { readProviderConfig } from '../provider-config';
import { createPushProvider, pushKind } from '../registry';
import { ProviderConfigurationError } from '../errors';
import { configProblems } from '../../test/support/config-problems';
import { readServiceAccount } from './fcm';
import { loadOrCreateVapidKeys, parseWebPushConfig, vapidKeysProblem, webPushEndpointProblem } from './web-push';

const read = (env: Record<string, string>, allowed = true) => {
  const problems = new Problems();
  const config = readProviderConfig(pushKind, env, problems, { allowed, refusedBecause: 'off localhost' });
  return { config, problems: problems.list };
};

describe('VAPID keys in <dataDir>/vapid.json', () => {
  it('are generated once, owner-only, and reused', () => {
    const dir = mkdtempSync(join(tmpdir(), 'latchkey-vapid-'));
    try {
      const first = loadOrCreateVapidKeys(dir);
      assert.equal(vapidKeysProblem(first), undefined);
      assert.equal(Buffer.from(first.publicKey, 'base64url').length, 65);
      assert.equal(statSync(join(dir, 'vapid.json')).mode & 0o777, 0o600);
      assert.deepEqual(loadOrCreateVapidKeys(dir), first, 'a restart keeps the pair its subscriptions are bound to');
      const provider = createPushProvider(
        { provider: 'web-push', allowedHosts: [], timeoutMs: 1000 },
        { dataDir: dir, publicUrl: 'https://reset.msp.example' },
      );
      assert.equal(provider.applicationServerKey, first.publicKey);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses a damaged file instead of replacing it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'latchkey-vapid-'));
    try {
      writeFileSync(join(dir, 'vapid.json'), '{"publicKey":"abc","privateKey":"def"}');
      assert.match(configProblems(() => loadOrCreateVapidKeys(dir)).join(), /vapid\.json: its key must be/);
      assert.equal(readFileSync(join(dir, 'vapid.json'), 'utf8'), '{"publicKey":"abc","privateKey":"def"}');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('push config', () => {
  it('falls back to the outbox only where the policy allows it', () => {
    assert.equal(read({}).config?.provider, 'outbox');
    assert.match(read({}, false).problems.join(), /PUSH_PROVIDER: set LATCHKEY_VAPID_PUBLIC_KEY .*off localhost/);
    assert.equal(read({ PUSH_PROVIDER: 'web-push' }).config?.provider, 'web-push');
    assert.match(read({ PUSH_PROVIDER: 'apns' }).problems.join(), /PUSH_PROVIDER: must be one of outbox, web-push/);
  });

  it('takes a configured VAPID pair, both halves or neither, and never quotes it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'latchkey-vapid-'));
    const keys = loadOrCreateVapidKeys(dir);
    rmSync(dir, { recursive: true, force: true });
    const both = read({ LATCHKEY_VAPID_PUBLIC_KEY: keys.publicKey, LATCHKEY_VAPID_PRIVATE_KEY: keys.privateKey });
    assert.deepEqual(both.problems, []);
    assert.equal(both.config?.provider, 'web-push', 'a VAPID key means web-push');
    const half = read({ PUSH_PROVIDER: 'web-push', LATCHKEY_VAPID_PRIVATE_KEY: keys.privateKey });
    assert.match(half.problems.join(), /set both, or neither/);
    const other = loadOrCreateVapidKeys(mkdtempSync(join(tmpdir(), 'latchkey-vapid-')));
    const mismatched = read({
      LATCHKEY_VAPID_PUBLIC_KEY: other.publicKey,
      LATCHKEY_VAPID_PRIVATE_KEY: keys.privateKey,
    });
    assert.match(mismatched.problems.join(), /LATCHKEY_VAPID_PUBLIC_KEY: is not the public half/);
    assert.ok(!mismatched.problems.join().includes(keys.privateKey));
  });

  it('names the variable for a bad subject, host list or timeout', () => {
    const { problems } = read({
      PUSH_PROVIDER: 'web-push',
      LATCHKEY_VAPID_SUBJECT: 'http://msp.example',
      LATCHKEY_WEB_PUSH_ALLOWED_HOSTS: 'ok.example, bad host',
      LATCHKEY_PUSH_TIMEOUT: 'soon',
    });
    const text = problems.join('\n');
    assert.match(text, /LATCHKEY_VAPID_SUBJECT: must be a mailto: address or an https: URL/);
    assert.match(text, /LATCHKEY_PUSH_TIMEOUT: must be a duration/);
    assert.match(
      configProblems(() => parseWebPushConfig({ allowedHosts: ['bad host'] })).join(),
      /allowedHosts.*must be host names/,
    );
  });

  it('checks an FCM key file at start-up, without quoting it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'latchkey-fcm-'));
    try {
      assert.match(configProblems(() => readServiceAccount(join(dir, 'none.json'))).join(), /cannot read .*ENOENT/);
      writeFileSync(join(dir, 'a.json'), 'not json secret-ish');
      const notJson = configProblems(() => readServiceAccount(join(dir, 'a.json'))).join();
      assert.match(notJson, /LATCHKEY_FCM_SERVICE_ACCOUNT_FILE: .* is not JSON/);
      assert.ok(!notJson.includes('secret-ish'));
      writeFileSync(join(dir, 'b.json'), JSON.stringify({ type: 'service_account', project_id: 'p' }));
      assert.match(
        configProblems(() => readServiceAccount(join(dir, 'b.json'))).join(),
        /lacks client_email, private_key/,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('web push endpoints', () => {
  it('are the browsers push services, or hosts the operator lists', () => {
    assert.equal(webPushEndpointProblem('https://fcm.googleapis.com/fcm/send/abc'), undefined);
    assert.equal(webPushEndpointProblem('https://web.push.apple.com/QAbc'), undefined);
    assert.equal(webPushEndpointProblem('https://wns2-par02p.notify.windows.com/w/?token=x'), undefined);
    assert.match(webPushEndpointProblem('https://evil-notify.windows.com.example/x')!, /not a known push service/);
    assert.match(webPushEndpointProblem('https://169.254.169.254/latest')!, /not a known push service/);
    assert.match(webPushEndpointProblem('https://fcm.googleapis.com:8443/x')!, /standard https port/);
    assert.match(webPushEndpointProblem('http://fcm.googleapis.com/x')!, /must be https/);
    assert.equal(webPushEndpointProblem('https://127.0.0.1:4443/push/x', ['127.0.0.1']), undefined);
  });
});

describe('PushSender', () => {
  it('routes by target kind, and refuses a kind nothing reaches', async () => {
    const outbox = new Outbox();
    const sender = createPushProvider(
      { provider: 'outbox', timeoutMs: 1000 },
      { outbox, dataDir: '/nonexistent', publicUrl: 'http://localhost' },
    );
    assert.deepEqual(sender.targets, ['webpush']);
    assert.equal(sender.applicationServerKey, undefined);
    await sender.send({
      target: {
        kind: 'webpush',
        subscription: { endpoint: 'https://fcm.googleapis.com/fcm/send/x', keys: { p256dh: 'a', auth: 'b' } },
      },
      event: { type: 'reset_ready', id: 'r1' },
      urgency: 'high',
      ttlSeconds: 60,
    });
    const [message] = outbox.list({ channel: 'push' });
    assert.equal(message?.text, '{"t":"reset_ready","id":"r1"}');
    assert.equal(message?.to, 'fcm.googleapis.com', 'the outbox shows the service, never the capability URL');
    await assert.rejects(
      sender.send({
        target: { kind: 'fcm', token: 't' },
        event: { type: 'lockout', id: 'l1' },
        urgency: 'high',
        ttlSeconds: 60,
      }),
      ProviderConfigurationError,
    );
  });
});
