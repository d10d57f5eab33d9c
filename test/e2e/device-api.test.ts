import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { issuePairingLink } from '../../activities/pairing-link';
import { loadMessageTemplates } from '../../activities/message-templates';
import { createLogger } from '../../common/logger';
import { PAIRING_TOKEN_TTL_MS } from '../../common/domain/device';
import { buildDeviceApi } from '../../server/compose/devices';
import type { DeviceApiRoutesDeps } from '../../server/routes/api/device';
import { apiClient } from '../support/http';
import { createTenant, startTestStack, type TestStack } from '../support/stack';
import { deviceClient, makeTestDevice } from '../support/device';
import { containsSecret, dumpDatabase } from '../support/secret-search';
import { DeviceRegistrationService } from '../../server/services/devices/device-registration.service';
import { createTransact } from '../../server/db/transact';
import { matchNumber } from '../../server/services/devices/device-secrets';

const PIN = '4821';
let counter = 0;

describe('the device API: pairing, registration with a PIN, and signed, verified actions', () => {
  let stack: TestStack;
  let devices: DeviceApiRoutesDeps;
  let call: ReturnType<typeof deviceClient>;
  const sent: { to: string; subject: string }[] = [];

  before(async () => {
    stack = await startTestStack();
    call = deviceClient(stack.url);
    // The same services the server runs, over the same database and key, to issue tokens and verify actions
    // directly, as the workflow branch's routes will.
    devices = buildDeviceApi({
      config: stack.config,
      db: stack.runtime.db,
      stores: stack.runtime.stores,
      secrets: stack.runtime.secrets,
      temporal: stack.runtime.temporal,
      email: {
        kind: 'email',
        id: 'capture',
        async send(message) {
          sent.push({ to: message.to, subject: message.subject });
          return { providerMessageId: String(sent.length) };
        },
      },
      render: loadMessageTemplates(),
      logger: createLogger('error', { service: 'device-api-test' }),
    });
  });

  after(async () => {
    await stack?.stop();
  });

  async function newUser(tenant?: Awaited<ReturnType<typeof createTenant>>) {
    const owner = tenant ?? (await createTenant(stack, `Device MSP ${++counter}`));
    const api = apiClient(stack.url, owner.apiKey);
    const created = await api('POST', `/clients/${owner.clientId}/users`, {
      username: `phone${++counter}`,
      email: `phone${counter}.${Date.now()}@example.com`,
      displayName: `Phone User ${counter}`,
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    return { tenant: owner, api, userId: created.body.id as string, email: created.body.email as string };
  }

  const rePairing = (user: { userId: string; tenant: { clientId: string } }, requiresMatch = false) =>
    devices.pairing.issue({
      userId: user.userId,
      clientId: user.tenant.clientId,
      enrollmentWorkflowId: null,
      requiresMatch,
    });

  /** Redeem → register with a PIN: a re-pairing token activates at once. */
  async function pairWithPin(user: { userId: string; tenant: { clientId: string } }) {
    const issued = await rePairing(user);
    const redeemed = await call('POST', '/pairings/redeem', { token: issued.token });
    assert.equal(redeemed.status, 200, JSON.stringify(redeemed.body));
    const phone = await makeTestDevice();
    const registered = await call(
      'POST',
      '/devices',
      {
        label: '  Pat’s phone  ',
        protection: 'pin',
        signingKey: phone.signingKey,
        sealingKey: phone.sealingKey,
        pin: PIN,
      },
      `Pairing ${redeemed.body.pairingId}.${redeemed.body.pairingSecret}`,
    );
    assert.equal(registered.status, 201, JSON.stringify(registered.body));
    const auth = `Device ${registered.body.deviceId}.${registered.body.deviceSecret}`;
    return { phone, auth, deviceId: registered.body.deviceId as string, registered, redeemed, issued };
  }

  async function challenge(auth: string) {
    const issued = await call('POST', '/challenges', { action: 'reset' }, auth);
    assert.equal(issued.status, 201, JSON.stringify(issued.body));
    return issued.body as { challengeId: string; challenge: string };
  }

  async function rowOf(deviceId: string) {
    return (await stack.runtime.stores.devices.row(deviceId))!;
  }

  it('pairs a phone with a PIN from a texted link: active at once, the owner emailed, the label trimmed', async () => {
    const user = await newUser();
    const { registered, redeemed, auth, issued } = await pairWithPin(user);
    assert.match(issued.url, /\/app\/pair#t=[A-Za-z0-9_-]{43}$/);
    assert.equal(redeemed.body.requiresMatch, false);
    assert.equal(redeemed.body.displayName.startsWith('Phone User'), true);
    assert.equal(redeemed.body.webauthn.authenticatorSelection.userVerification, 'required');
    assert.match(redeemed.headers.get('set-cookie') ?? '', /lk_pairing=.*HttpOnly/i);
    assert.equal(registered.body.status, 'active');
    assert.equal(registered.body.matchNumber, undefined);
    const me = await call('GET', '/devices/me', undefined, auth);
    assert.equal(me.status, 200);
    assert.equal(me.body.status, 'active');
    assert.equal(me.body.label, 'Pat’s phone');
    assert.equal(me.body.pushEnabled, false);
    assert.ok(
      stack.outbox.list({ to: user.email }).some((mail) => /paired/.test(mail.subject ?? '')),
      'the owner is emailed',
    );
  });

  it('refuses a replayed pairing token with 410, and an expired one with the same 410', async () => {
    const user = await newUser();
    const issued = await rePairing(user);
    assert.equal((await call('POST', '/pairings/redeem', { token: issued.token })).status, 200);
    const replay = await call('POST', '/pairings/redeem', { token: issued.token });
    assert.equal(replay.status, 410);
    assert.equal(replay.body.error.code, 'pairing_token_invalid');
    const expired = await issuePairingLink(
      {
        pairingTokens: stack.runtime.stores.pairingTokens,
        secrets: stack.runtime.secrets,
        appUrl: stack.config.appUrl,
        now: () => Date.now() - PAIRING_TOKEN_TTL_MS - 1000,
      },
      { userId: user.userId, clientId: user.tenant.clientId, enrollmentWorkflowId: null, requiresMatch: false },
    );
    const late = await call('POST', '/pairings/redeem', { token: expired.token });
    assert.equal(late.status, 410);
    assert.deepEqual(late.body.error, replay.body.error);
    const unknown = await call('POST', '/pairings/redeem', { token: 'A'.repeat(43) });
    assert.deepEqual(unknown.body.error, replay.body.error);
  });

  it('a newer QR code retires the older one, while links issued beside it for the same step keep working', async () => {
    const user = await newUser();
    const oldQr = await rePairing(user, true);
    const link = await rePairing(user);
    const newQr = await rePairing(user, true);
    const texted = await rePairing(user);
    assert.equal((await call('POST', '/pairings/redeem', { token: oldQr.token })).status, 410);
    for (const token of [link, newQr, texted].map((issued) => issued.token)) {
      assert.equal((await call('POST', '/pairings/redeem', { token })).status, 200);
    }
  });

  it('registers one device per pairing: a second registration with the same secret is refused', async () => {
    const user = await newUser();
    const { redeemed } = await pairWithPin(user);
    const phone = await makeTestDevice();
    const again = await call(
      'POST',
      '/devices',
      { label: 'Second', protection: 'pin', signingKey: phone.signingKey, sealingKey: phone.sealingKey, pin: PIN },
      `Pairing ${redeemed.body.pairingId}.${redeemed.body.pairingSecret}`,
    );
    assert.equal(again.status, 401, JSON.stringify(again.body));
  });

  it('verifies a signed action with the right PIN, once: the same challenge answered twice is refused', async () => {
    const user = await newUser();
    const { phone, auth, deviceId } = await pairWithPin(user);
    const device = await rowOf(deviceId);
    const issued = await challenge(auth);
    const signature = await phone.sign({ action: 'reset', ...issued });
    const proof = { device, challengeId: issued.challengeId, action: 'reset' as const, signature, pin: PIN };
    assert.deepEqual(await devices.actions.verifyDeviceAction(proof), { deviceId, challengeId: issued.challengeId });
    await assert.rejects(devices.actions.verifyDeviceAction(proof), { code: 'verification_failed' });
  });

  it('refuses a wrong signature, and a signature over another action', async () => {
    const user = await newUser();
    const { phone, auth, deviceId } = await pairWithPin(user);
    const device = await rowOf(deviceId);
    const other = await makeTestDevice();
    const first = await challenge(auth);
    await assert.rejects(
      devices.actions.verifyDeviceAction({
        device,
        challengeId: first.challengeId,
        action: 'reset',
        signature: await other.sign({ action: 'reset', ...first }),
        pin: PIN,
      }),
      { code: 'verification_failed' },
    );
    const second = await challenge(auth);
    await assert.rejects(
      devices.actions.verifyDeviceAction({
        device,
        challengeId: second.challengeId,
        action: 'reset',
        signature: await phone.sign({ action: 'unlock', ...second }),
        pin: PIN,
      }),
      { code: 'verification_failed' },
    );
    // No wrong PIN was counted for either: the signature is checked first.
    assert.equal((await rowOf(deviceId)).pin_failures, 0);
  });

  it('revokes the device after 5 wrong PINs in a row, and then refuses the right PIN with 403', async () => {
    const user = await newUser();
    const { phone, auth, deviceId } = await pairWithPin(user);
    const device = await rowOf(deviceId);
    const tries: unknown[] = [];
    for (let attempt = 1; attempt <= 5; attempt++) {
      const issued = await challenge(auth);
      const signature = await phone.sign({ action: 'reset', ...issued });
      tries.push(
        await devices.actions
          .verifyDeviceAction({ device, challengeId: issued.challengeId, action: 'reset', signature, pin: '9137' })
          .catch((error: { code: string; details?: { pinTriesLeft?: number } }) => ({
            code: error.code,
            left: error.details?.pinTriesLeft,
          })),
      );
    }
    assert.deepEqual(tries, [
      { code: 'verification_failed', left: 4 },
      { code: 'verification_failed', left: 3 },
      { code: 'verification_failed', left: 2 },
      { code: 'verification_failed', left: 1 },
      { code: 'device_revoked', left: undefined },
    ]);
    const revoked = await rowOf(deviceId);
    assert.equal(revoked.status, 'revoked');
    assert.equal(revoked.revoked_reason, 'pin_failures');
    const refused = await call('POST', '/challenges', { action: 'reset' }, auth);
    assert.equal(refused.status, 403);
    assert.equal(refused.body.error.code, 'device_revoked');
    assert.equal((await call('GET', '/devices/me', undefined, auth)).status, 403);
  });

  it("answers an app reset at once with agent_offline when the client has no live agent, in the user's words", async () => {
    const user = await newUser();
    const { phone, auth } = await pairWithPin(user);
    // Enrolled as the enrollment workflow leaves a user who chose the app; this client has no agent at all.
    const { users } = stack.runtime.stores;
    assert.ok(await users.transition(user.userId, ['inactive'], 'enrolling'));
    const phoneNumber = '+14155550142';
    assert.ok(
      await users.markEnrolled(user.userId, {
        method: 'app',
        phoneEncrypted: stack.runtime.secrets.phoneCipher.encrypt(phoneNumber, 'users.phone_encrypted'),
        phoneLookup: stack.runtime.secrets.hash('phone-lookup', phoneNumber),
        smsPinHash: null,
      }),
    );
    const issued = await challenge(auth);
    const signature = await phone.sign({ action: 'reset', ...issued });
    const started = Date.now();
    const refused = await call('POST', '/resets', { challengeId: issued.challengeId, signature, pin: PIN }, auth);
    assert.ok(Date.now() - started < 5_000, 'answered at once, not after the directory step timed out');
    assert.equal(refused.status, 503, JSON.stringify(refused.body));
    assert.equal(refused.body.error.code, 'agent_offline');
    assert.match(
      refused.body.error.message,
      /^Your company's password reset service is offline.*Contact your IT provider\.$/,
    );
  });

  it("keeps one user's device from answering another device's challenge or reading its events", async () => {
    const tenant = await createTenant(stack, `Shared MSP ${++counter}`);
    const alice = await pairWithPin(await newUser(tenant));
    const mallory = await pairWithPin(await newUser(tenant));
    const issued = await challenge(alice.auth);
    await assert.rejects(
      devices.actions.verifyDeviceAction({
        device: await rowOf(mallory.deviceId),
        challengeId: issued.challengeId,
        action: 'reset',
        signature: await mallory.phone.sign({ action: 'reset', ...issued }),
        pin: PIN,
      }),
      { code: 'verification_failed' },
    );
    // Alice's challenge is still hers to answer: Mallory's try did not spend it.
    const signature = await alice.phone.sign({ action: 'reset', ...issued });
    await devices.actions.verifyDeviceAction({
      device: await rowOf(alice.deviceId),
      challengeId: issued.challengeId,
      action: 'reset',
      signature,
      pin: PIN,
    });
    const events = await call('GET', '/events', undefined, mallory.auth);
    assert.deepEqual(events.body, { events: [] });
  });

  it('answers bad input with a 4xx JSON error, never a 500', async () => {
    const user = await newUser();
    const { auth, redeemed } = await pairWithPin(user);
    const fresh = await rePairing(user);
    const pairing = await call('POST', '/pairings/redeem', { token: fresh.token });
    const pairingAuth = `Pairing ${pairing.body.pairingId}.${pairing.body.pairingSecret}`;
    const phone = await makeTestDevice();
    const good = {
      label: 'x',
      protection: 'pin',
      signingKey: phone.signingKey,
      sealingKey: phone.sealingKey,
      pin: '5831',
    };
    const cases: [string, string, unknown, string | undefined][] = [
      ['POST', '/pairings/redeem', '{not json', undefined],
      ['POST', '/pairings/redeem', { token: 42 }, undefined],
      ['POST', '/pairings/redeem', {}, undefined],
      ['POST', '/devices', good, undefined],
      ['POST', '/devices', good, `Pairing ${redeemed.body.pairingId}.wrong`],
      ['POST', '/devices', good, 'Pairing nonsense'],
      ['POST', '/devices', { ...good, signingKey: 'AAAA' }, pairingAuth],
      ['POST', '/devices', { ...good, sealingKey: Buffer.from('x'.repeat(91)).toString('base64url') }, pairingAuth],
      ['POST', '/devices', { ...good, pin: '1234' }, pairingAuth],
      ['POST', '/devices', { ...good, pin: '12' }, pairingAuth],
      ['POST', '/devices', { ...good, label: 'x'.repeat(61) }, pairingAuth],
      ['POST', '/devices', { ...good, label: '   ' }, pairingAuth],
      ['POST', '/devices', { ...good, protection: 'biometric' }, pairingAuth],
      [
        'POST',
        '/devices',
        { ...good, protection: 'biometric', webauthn: { id: 'AA', rawId: 'AA', type: 'public-key', response: {} } },
        pairingAuth,
      ],
      ['POST', '/devices', { ...good, push: { kind: 'webpush', subscription: { endpoint: 'http://x' } } }, pairingAuth],
      ['POST', '/challenges', { action: 'dance' }, auth],
      ['POST', '/challenges', { action: 'reset' }, 'Device 00000000-0000-0000-0000-000000000000.nope'],
      ['POST', '/challenges', { action: 'reset' }, undefined],
      ['PUT', '/devices/me/push', { push: { kind: 'fcm' } }, auth],
      ['GET', '/nowhere', undefined, auth],
    ];
    for (const [method, path, body, authorization] of cases) {
      const answer = await call(method, path, body, authorization);
      const what = `${method} ${path} ${String(JSON.stringify(body)).slice(0, 80)}`;
      assert.ok(
        answer.status >= 400 && answer.status < 500,
        `${what}: ${answer.status} ${JSON.stringify(answer.body)}`,
      );
      assert.equal(typeof answer.body?.error?.code, 'string', what);
    }
    // None of the refused registrations spent the pairing: it still registers.
    const ok = await call('POST', '/devices', good, pairingAuth);
    assert.equal(ok.status, 201, JSON.stringify(ok.body));
    await assert.rejects(
      devices.actions.verifyDeviceAction({
        device: await rowOf(ok.body.deviceId),
        challengeId: 'x',
        action: 'reset',
        signature: 'x',
      }),
      { code: 'verification_failed' },
    );
  });

  it('stores a push target sealed, reports it on, and unpairs: revoked, audited, the owner emailed', async () => {
    const user = await newUser();
    const { auth, deviceId } = await pairWithPin(user);
    const push = { kind: 'fcm', token: 'fcm-registration-token-abc' };
    assert.equal((await call('PUT', '/devices/me/push', { push }, auth)).status, 204);
    const row = await rowOf(deviceId);
    assert.equal(row.push_kind, 'fcm');
    assert.ok(row.push_target_encrypted && !row.push_target_encrypted.includes('fcm-registration-token'));
    assert.equal((await call('GET', '/devices/me', undefined, auth)).body.pushEnabled, true);
    assert.equal((await call('DELETE', '/devices/me', undefined, auth)).status, 204);
    assert.equal((await rowOf(deviceId)).revoked_reason, 'unpaired');
    assert.equal((await call('GET', '/devices/me', undefined, auth)).status, 403);
    assert.ok(
      stack.outbox.list({ to: user.email }).some((mail) => /removed/.test(mail.subject ?? '')),
      'the owner is emailed',
    );
  });

  it('serves its config without auth', async () => {
    const config = await call('GET', '/config');
    assert.equal(config.status, 200);
    assert.deepEqual(config.body, { vapidPublicKey: null });
    assert.equal(config.headers.get('cache-control'), 'no-store');
  });
  it('lets a technician list and revoke devices of their own users only (another MSP gets 404), emailing the owner', async () => {
    const user = await newUser();
    const { deviceId, auth } = await pairWithPin(user);
    const path = `/clients/${user.tenant.clientId}/users/${user.userId}/devices`;
    const listed = await user.api('GET', path);
    assert.equal(listed.status, 200, JSON.stringify(listed.body));
    assert.equal(listed.body.items.length, 1);
    assert.deepEqual(Object.keys(listed.body.items[0]).sort(), [
      'activatedAt',
      'createdAt',
      'id',
      'label',
      'lastSeenAt',
      'protection',
      'pushEnabled',
      'revokedAt',
      'revokedReason',
      'status',
    ]);
    const stranger = await createTenant(stack, `Other MSP ${++counter}`);
    const other = apiClient(stack.url, stranger.apiKey);
    assert.equal((await other('GET', path)).status, 404);
    assert.equal((await other('DELETE', `${path}/${deviceId}`)).status, 404);
    assert.equal((await rowOf(deviceId)).status, 'active');
    assert.equal((await user.api('DELETE', `${path}/00000000-0000-4000-8000-000000000000`)).status, 404);
    assert.equal((await user.api('DELETE', `${path}/not-a-uuid`)).status, 400);
    const revoked = await user.api('DELETE', `${path}/${deviceId}`);
    assert.equal(revoked.status, 200);
    assert.equal(revoked.body.revokedReason, 'technician');
    assert.equal((await call('GET', '/devices/me', undefined, auth)).status, 403);
    const notices = stack.outbox.list({ to: user.email }).filter((mail) => /removed/.test(mail.subject ?? ''));
    assert.equal(notices.length, 1, 'the owner is emailed once');
    assert.match(notices[0]!.text ?? '', /your IT provider removed it/);
    // Revoking again changes nothing and emails nobody.
    assert.equal((await user.api('DELETE', `${path}/${deviceId}`)).status, 200);
    assert.equal(stack.outbox.list({ to: user.email }).filter((mail) => /removed/.test(mail.subject ?? '')).length, 1);
  });

  it('holds a QR pairing until its number is picked: a wrong pick revokes it, the right one activates', async () => {
    const user = await newUser();
    const workflowId = `enrollment-test-${user.userId}`;
    // A stand-in for the enrollment workflow's appPaired update (the workflow branch's), doing what its handler
    // does: activating the device through the DevicesPort.
    const paired: string[] = [];
    const registration = new DeviceRegistrationService({
      devices: stack.runtime.stores.devices,
      pairingTokens: stack.runtime.stores.pairingTokens,
      transact: createTransact(stack.runtime.db),
      enrollmentPairing: {
        async appPaired(id, deviceId) {
          assert.equal(id, workflowId);
          paired.push(deviceId);
          await stack.runtime.stores.devices.activate(deviceId, user.userId);
        },
      },
      notices: devices.notices,
      secrets: stack.runtime.secrets,
      webauthn: { rpId: 'localhost', origin: 'http://localhost' },
    });
    assert.deepEqual(await registration.pairingState(user.userId, workflowId), { state: 'waiting' });
    const registerFromQr = async () => {
      const issued = await devices.pairing.issue({
        userId: user.userId,
        clientId: user.tenant.clientId,
        enrollmentWorkflowId: workflowId,
        requiresMatch: true,
      });
      const redeemed = await call('POST', '/pairings/redeem', { token: issued.token });
      assert.equal(redeemed.body.requiresMatch, true);
      const phone = await makeTestDevice();
      const registered = await call(
        'POST',
        '/devices',
        { label: 'QR phone', protection: 'pin', signingKey: phone.signingKey, sealingKey: phone.sealingKey, pin: PIN },
        `Pairing ${redeemed.body.pairingId}.${redeemed.body.pairingSecret}`,
      );
      assert.equal(registered.status, 201, JSON.stringify(registered.body));
      assert.equal(registered.body.status, 'pending_match');
      assert.match(registered.body.matchNumber, /^\d{2}$/);
      return registered.body as { deviceId: string; matchNumber: string; deviceSecret: string };
    };
    const first = await registerFromQr();
    const shown = await registration.pairingState(user.userId, workflowId);
    assert.equal(shown.state, 'match');
    assert.equal(shown.choices!.length, 3);
    assert.equal(new Set(shown.choices).size, 3);
    assert.ok(shown.choices!.includes(first.matchNumber));
    assert.deepEqual(await registration.pairingState(user.userId, workflowId), shown, 'the same choices on every poll');
    const pending = await call(
      'POST',
      '/challenges',
      { action: 'reset' },
      `Device ${first.deviceId}.${first.deviceSecret}`,
    );
    assert.equal(pending.status, 409, 'a pending device cannot act');
    const wrong = shown.choices!.find((choice) => choice !== first.matchNumber)!;
    assert.deepEqual(await registration.pickMatch(user.userId, workflowId, wrong), {
      matched: false,
      state: 'waiting',
    });
    assert.equal((await rowOf(first.deviceId)).revoked_reason, 'wrong_match');
    assert.deepEqual(paired, []);
    await assert.rejects(registration.pickMatch(user.userId, workflowId, first.matchNumber), { code: 'conflict' });

    const second = await registerFromQr();
    assert.equal(second.matchNumber, matchNumber(stack.runtime.secrets, second.deviceId));
    assert.deepEqual(await registration.pickMatch(user.userId, workflowId, second.matchNumber), {
      matched: true,
      state: 'paired',
    });
    assert.deepEqual(paired, [second.deviceId]);
    assert.equal((await rowOf(second.deviceId)).status, 'active');
    assert.equal((await rowOf(second.deviceId)).match_hash, null);
  });

  it('answers the enrollment pairing endpoints only with an enrollment session', async () => {
    const state = await fetch(`${stack.url}/enroll/pairing`);
    assert.equal(state.status, 401);
    assert.equal(((await state.json()) as { error: { code: string } }).error.code, 'unauthenticated');
    const pick = await fetch(`${stack.url}/enroll/pairing/match`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ choice: '42' }),
    });
    assert.equal(pick.status, 401);
  });

  it('stores no pairing token, pairing or device secret, PIN, match number or push key in clear', async () => {
    const user = await newUser();
    const issued = await rePairing(user);
    const redeemed = await call('POST', '/pairings/redeem', { token: issued.token });
    const phone = await makeTestDevice();
    const push = {
      kind: 'webpush',
      subscription: {
        endpoint: 'https://push.example/abc',
        keys: { p256dh: 'B'.repeat(87), auth: 'secretAuthKey123' },
      },
    };
    const registered = await call(
      'POST',
      '/devices',
      {
        label: 'Dump',
        protection: 'pin',
        signingKey: phone.signingKey,
        sealingKey: phone.sealingKey,
        pin: '7392',
        push,
      },
      `Pairing ${redeemed.body.pairingId}.${redeemed.body.pairingSecret}`,
    );
    assert.equal(registered.status, 201, JSON.stringify(registered.body));
    const qr = await devices.pairing.issue({
      userId: user.userId,
      clientId: user.tenant.clientId,
      enrollmentWorkflowId: 'wf-dump',
      requiresMatch: true,
    });
    const qrRedeemed = await call('POST', '/pairings/redeem', { token: qr.token });
    const qrPhone = await makeTestDevice();
    const matched = await call(
      'POST',
      '/devices',
      { label: 'QR', protection: 'pin', signingKey: qrPhone.signingKey, sealingKey: qrPhone.sealingKey, pin: '7392' },
      `Pairing ${qrRedeemed.body.pairingId}.${qrRedeemed.body.pairingSecret}`,
    );
    const issuedChallenge = await challenge(`Device ${registered.body.deviceId}.${registered.body.deviceSecret}`);
    const dump = await dumpDatabase(stack.runtime.db);
    assert.ok(dump.includes(registered.body.deviceId), 'the dump holds the device');
    const secrets: Record<string, string> = {
      'pairing token': issued.token,
      'QR pairing token': qr.token,
      'pairing secret': redeemed.body.pairingSecret,
      'device secret': registered.body.deviceSecret,
      'action challenge': issuedChallenge.challenge,
      'push auth key': 'secretAuthKey123',
      'push endpoint': 'https://push.example/abc',
    };
    for (const [name, value] of Object.entries(secrets))
      assert.ok(!containsSecret(dump, value), `${name} is in the dump`);
    // The PIN and the match number are too short to search a dump for; their columns hold keyed hashes instead.
    const qrRow = await rowOf(matched.body.deviceId);
    assert.notEqual(qrRow.match_hash, matched.body.matchNumber);
    assert.equal(qrRow.match_hash!.length, 43);
    assert.equal((await rowOf(registered.body.deviceId)).pin_hash!.length, 43);
    const logs = stack.logs.join('');
    for (const [name, value] of Object.entries(secrets))
      assert.ok(!containsSecret(logs, value), `${name} is in the logs`);
  });
});
