import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { envSchema, loadConfig } from './config';
import { ConfigError } from './errors';

const key = Buffer.alloc(32, 7).toString('base64');
const minimal = { LATCHKEY_MASTER_KEY: key, LATCHKEY_CODEC_KEYS: `k1:${key}` };

describe('loadConfig', () => {
  it('starts from embedded defaults: outbox providers, PGlite, the documented timings', () => {
    const config = loadConfig(minimal);
    assert.equal(config.email.provider, 'outbox');
    assert.equal(config.sms.provider, 'outbox');
    assert.equal(config.databaseUrl, undefined);
    assert.equal(config.enrollment.codeTtlMs, 5 * 60_000);
    assert.equal(config.enrollment.maxCodeAttempts, 5);
    assert.equal(config.enrollment.resendIntervalMs, 60_000);
    assert.equal(config.limits.smsPerUserPerDay, 10);
  });

  it('names every missing or bad value in one message', () => {
    assert.throws(
      () => loadConfig({ LATCHKEY_CODEC_KEYS: 'nocolon', ENROLLMENT_CODE_TTL: 'five minutes', SMS_PROVIDER: 'twilio' }),
      (error: unknown) => {
        assert.ok(error instanceof ConfigError);
        assert.match(error.message, /ENROLLMENT_CODE_TTL: "five minutes" is not a duration/);
        return true;
      },
    );
    assert.throws(
      () => loadConfig({ LATCHKEY_CODEC_KEYS: 'nocolon', SMS_PROVIDER: 'twilio' }),
      (error: unknown) => {
        assert.ok(error instanceof ConfigError);
        for (const expected of [
          /LATCHKEY_MASTER_KEY is required/,
          /LATCHKEY_CODEC_KEYS: .*keyId:base64key/,
          /TWILIO_ACCOUNT_SID is required when SMS_PROVIDER=twilio/,
        ]) {
          assert.match(error.message, expected);
        }
        return true;
      },
    );
    assert.throws(() => loadConfig({ ...minimal, LATCHKEY_MASTER_KEY: 'c2hvcnQ=' }), /32 bytes/);
  });

  it('refuses to fall back to the outbox silently on a public address, and Twilio over plain HTTP', () => {
    const publicSite = { ...minimal, LATCHKEY_PUBLIC_URL: 'https://reset.example.com' };
    assert.throws(
      () => loadConfig(publicSite),
      (error: unknown) => {
        assert.ok(error instanceof ConfigError);
        assert.match(error.message, /EMAIL_PROVIDER: set SMTP_HOST/);
        assert.match(error.message, /SMS_PROVIDER: set TWILIO_ACCOUNT_SID/);
        return true;
      },
    );
    assert.equal(
      loadConfig({ ...publicSite, EMAIL_PROVIDER: 'outbox', SMS_PROVIDER: 'outbox' }).email.provider,
      'outbox',
    );
    const twilio = { ...minimal, TWILIO_ACCOUNT_SID: 'AC1', TWILIO_AUTH_TOKEN: 't' };
    assert.throws(
      () => loadConfig({ ...twilio, TWILIO_API_BASE_URL: 'http://relay.example.com' }),
      /TWILIO_API_BASE_URL must use https/,
    );
    assert.equal(loadConfig({ ...twilio, TWILIO_API_BASE_URL: 'http://127.0.0.1:4010' }).sms.provider, 'twilio');
  });

  it('picks SMTP and Twilio when they are configured', () => {
    const config = loadConfig({
      ...minimal,
      SMTP_HOST: 'mail.example.com',
      TWILIO_ACCOUNT_SID: 'AC1',
      TWILIO_AUTH_TOKEN: 't',
    });
    assert.equal(config.email.provider, 'smtp');
    assert.equal(config.sms.provider, 'twilio');
  });

  it('is fully described by .env.example', () => {
    const example = readFileSync(join(__dirname, '..', '.env.example'), 'utf8');
    const documented = new Set([...example.matchAll(/^#?\s?([A-Z][A-Z0-9_]+)=/gm)].map((match) => match[1]));
    const missing = Object.keys(envSchema.shape).filter((name) => !documented.has(name));
    assert.deepEqual(missing, []);
  });
});
