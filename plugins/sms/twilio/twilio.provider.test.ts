import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';
import { inspect } from 'node:util';
import { startFakeTwilio, type FakeTwilio } from '../../../test/fakes/fake-twilio';
import {
  InvalidRecipientError,
  ProviderConfigurationError,
  ProviderRateLimitedError,
  ProviderUnavailableError,
} from '../../errors';
import type { TwilioSmsConfig } from './twilio.config';
import { TwilioSmsProvider } from './twilio.provider';

const ACCOUNT_SID = 'AC' + '0123456789abcdef'.repeat(2);
const AUTH_TOKEN = 'fake-auth-token-5f1c2d9e';
const SERVICE_NUMBER = '+15005550006';
const SECRET_BODY = 'Your Latchkey code is 482913';

describe('TwilioSmsProvider against the fake Twilio API', () => {
  let fake: FakeTwilio;
  let config: TwilioSmsConfig;

  before(async () => {
    fake = await startFakeTwilio({ accountSid: ACCOUNT_SID, authToken: AUTH_TOKEN });
    config = {
      provider: 'twilio',
      serviceNumber: SERVICE_NUMBER,
      accountSid: ACCOUNT_SID,
      authToken: AUTH_TOKEN,
      apiBaseUrl: fake.baseUrl,
    };
  });
  afterEach(() => fake.clear());
  after(() => fake.close());

  /** Error text must never carry the one-time code or the credential, including anything hung off `cause`. */
  function assertNoSecrets(error: unknown): void {
    const rendered = inspect(error, { depth: 10 }) + JSON.stringify(error);
    assert.ok(!rendered.includes('482913'), `error leaks the SMS body: ${rendered}`);
    assert.ok(!rendered.includes(AUTH_TOKEN), `error leaks the auth token: ${rendered}`);
  }

  it('sends through the real SDK and returns the Message SID', async () => {
    const provider = new TwilioSmsProvider(config);
    const sent = await provider.send({ to: '+14155550123', body: SECRET_BODY });

    const received = await fake.waitForMessage((m) => m.sid === sent.providerMessageId, 1_000);
    assert.match(sent.providerMessageId, /^SM[0-9a-f]{32}$/);
    assert.equal(received.to, '+14155550123');
    assert.equal(received.from, SERVICE_NUMBER);
    assert.equal(received.body, SECRET_BODY);
    assert.equal(received.authenticatedAs, ACCOUNT_SID);
  });

  it('authenticates with the account SID (a wrong token is a configuration error)', async () => {
    const provider = new TwilioSmsProvider({ ...config, authToken: 'not-the-token' });
    const error = await provider.send({ to: '+14155550123', body: SECRET_BODY }).catch((e: unknown) => e);
    assert.ok(error instanceof ProviderConfigurationError);
    assert.match(error.message, /20003/);
    assert.equal(error.retryable, false);
    assert.equal(fake.messages.length, 0);
  });

  it('maps an invalid number to InvalidRecipientError', async () => {
    const provider = new TwilioSmsProvider(config);
    const error = await provider.send({ to: '555-0123', body: SECRET_BODY }).catch((e: unknown) => e);
    assert.ok(error instanceof InvalidRecipientError, inspect(error));
    assert.equal(error.providerId, 'twilio');
    assert.match(error.message, /21211/);
    assert.ok(!error.message.includes('555-0123'), 'the number stays out of the message');
    assertNoSecrets(error);
  });

  it('maps 429 to ProviderRateLimitedError with Retry-After', async () => {
    fake.failNext({ status: 429, code: 20429, message: 'Too Many Requests', retryAfterSeconds: 7 });
    const provider = new TwilioSmsProvider(config);
    const error = await provider.send({ to: '+14155550123', body: SECRET_BODY }).catch((e: unknown) => e);
    assert.ok(error instanceof ProviderRateLimitedError, inspect(error));
    assert.equal(error.retryAfterMs, 7_000);
    assert.equal(error.retryable, true);
    assertNoSecrets(error);
  });

  it('keeps concurrent sends apart when reading Retry-After', async () => {
    fake.failNext({ status: 429, code: 20429, message: 'Too Many Requests', retryAfterSeconds: 3 });
    const provider = new TwilioSmsProvider(config);
    const [first, second] = await Promise.allSettled([
      provider.send({ to: '+14155550123', body: SECRET_BODY }),
      provider.send({ to: '+14155550124', body: SECRET_BODY }),
    ]);
    const outcomes = [first, second].map((r) => r?.status).sort();
    assert.deepEqual(outcomes, ['fulfilled', 'rejected']);
    const rejected = [first, second].find((r) => r?.status === 'rejected') as PromiseRejectedResult;
    assert.equal((rejected.reason as ProviderRateLimitedError).retryAfterMs, 3_000);
  });

  it('maps 500 to ProviderUnavailableError', async () => {
    fake.failNext({ status: 500, code: 20500, message: 'Internal Server Error' });
    const provider = new TwilioSmsProvider(config);
    const error = await provider.send({ to: '+14155550123', body: SECRET_BODY }).catch((e: unknown) => e);
    assert.ok(error instanceof ProviderUnavailableError, inspect(error));
    assert.equal(error.retryable, true);
    assertNoSecrets(error);
  });

  it('maps a server that is down to ProviderUnavailableError', async () => {
    const down = await startFakeTwilio({ accountSid: ACCOUNT_SID, authToken: AUTH_TOKEN });
    const baseUrl = down.baseUrl;
    await down.close();

    const provider = new TwilioSmsProvider({ ...config, apiBaseUrl: baseUrl });
    const error = await provider.send({ to: '+14155550123', body: SECRET_BODY }).catch((e: unknown) => e);
    assert.ok(error instanceof ProviderUnavailableError, inspect(error));
    assert.match(error.message, /ECONNREFUSED/);
    assertNoSecrets(error);
  });
});
