import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Problems } from '../../../common/env';
import { parseTwilioConfig, twilioEnv, type TwilioSmsConfigInput } from './twilio.config';
import { configProblems } from '../../../test/support/config-problems';

const TOKEN = 'tw1l10-t0ken-value';
const BASE: TwilioSmsConfigInput = { serviceNumber: '+15005550006', accountSid: 'AC1', authToken: TOKEN };

const problems = (input: TwilioSmsConfigInput) => configProblems(() => parseTwilioConfig(input));

function fromEnv(env: Record<string, string>) {
  const found = new Problems();
  const config = twilioEnv.read(env, { serviceNumber: '+15005550006' }, found);
  return { config, problems: found.list };
}

describe('parseTwilioConfig', () => {
  it('takes the credentials and an E.164 service number', () => {
    assert.equal(parseTwilioConfig(BASE).provider, 'twilio');
    assert.match(problems({ ...BASE, serviceNumber: '5550006' }).join(), /serviceNumber: must be an E.164 number/);
    assert.match(problems({ ...BASE, accountSid: '' }).join(), /accountSid: is required for Twilio/);
  });

  it('sends the token over https only, unless the API is a fake on this machine', () => {
    assert.match(problems({ ...BASE, apiBaseUrl: 'http://relay.example.com' }).join(), /must use https/);
    assert.deepEqual(problems({ ...BASE, apiBaseUrl: 'https://relay.example.com' }), []);
    assert.deepEqual(problems({ ...BASE, apiBaseUrl: 'http://127.0.0.1:4010' }), []);
    assert.deepEqual(problems({ ...BASE, apiBaseUrl: 'http://localhost:4010' }), []);
  });

  it('never puts the auth token in its messages', () => {
    const found = problems({ ...BASE, serviceNumber: '', apiBaseUrl: `http://x:${TOKEN}@relay.example.com` });
    assert.ok(found.length > 0);
    assert.ok(!found.join().includes(TOKEN));
  });
});

describe('twilioEnv', () => {
  it('reads TWILIO_* into the config', () => {
    const { config, problems } = fromEnv({
      TWILIO_ACCOUNT_SID: 'AC1',
      TWILIO_AUTH_TOKEN: TOKEN,
      TWILIO_API_BASE_URL: 'http://127.0.0.1:4010',
    });
    assert.deepEqual(problems, []);
    assert.deepEqual(config, { ...BASE, provider: 'twilio', apiBaseUrl: 'http://127.0.0.1:4010' });
    assert.equal(twilioEnv.detectedBy, 'TWILIO_ACCOUNT_SID');
  });

  it('names the variables to fix, all at once', () => {
    const found = fromEnv({ TWILIO_AUTH_TOKEN: TOKEN }).problems.join('\n');
    assert.match(found, /TWILIO_ACCOUNT_SID: is required for Twilio/);
    assert.match(
      fromEnv({ TWILIO_API_BASE_URL: 'http://relay.example.com' }).problems.join(),
      /TWILIO_API_BASE_URL: must use https/,
    );
    assert.ok(!found.includes(TOKEN));
  });
});
