import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { loadConfig, serverEnvironmentVariables } from './config';
import { configProblems } from '../test/support/config-problems';

const key = Buffer.alloc(32, 7).toString('base64');
const minimal = { LATCHKEY_MASTER_KEY: key, LATCHKEY_CODEC_KEYS: `k1:${key}` };

const problemsOf = (env: Record<string, string>) => configProblems(() => loadConfig(env));

describe('loadConfig', () => {
  it('starts from embedded defaults: outbox providers, PGlite, the documented timings', () => {
    const config = loadConfig(minimal);
    assert.equal(config.email.provider, 'outbox');
    assert.equal(config.sms.provider, 'outbox');
    assert.equal(config.sms.serviceNumber, '+15005550006');
    assert.equal(config.databaseUrl, undefined);
    assert.equal(config.enrollment.codeTtlMs, 5 * 60_000);
    assert.equal(config.enrollment.maxCodeAttempts, 5);
    assert.equal(config.enrollment.resendIntervalMs, 60_000);
    assert.equal(config.limits.smsPerUserPerDay, 10);
  });

  it("names every missing or bad value in one message, the server's and the providers' alike", () => {
    const found = problemsOf({
      LATCHKEY_CODEC_KEYS: 'nocolon',
      ENROLLMENT_CODE_TTL: 'five minutes',
      SMS_PROVIDER: 'twilio',
      SMTP_PORT: 'twenty-five',
      TEMPORAL_UI_URL: 'not a url',
    }).join('\n');
    for (const expected of [
      /ENROLLMENT_CODE_TTL: must be a duration/,
      /LATCHKEY_MASTER_KEY: is required/,
      /LATCHKEY_CODEC_KEYS: .*keyId:base64key/,
      /TWILIO_ACCOUNT_SID: is required for Twilio/,
      /TWILIO_AUTH_TOKEN: is required for Twilio/,
      /SMTP_PORT: /,
      /TEMPORAL_UI_URL: Invalid url/,
    ]) {
      assert.match(found, expected);
    }
    assert.match(
      problemsOf({ ...minimal, SMS_SERVICE_NUMBER: '555-0100' }).join(),
      /SMS_SERVICE_NUMBER: must be an E.164 number/,
    );
    assert.match(problemsOf({ ...minimal, LATCHKEY_MASTER_KEY: 'c2hvcnQ=' }).join(), /32 bytes/);
    // A key pasted without its id is reported by position: its first characters are secret too.
    const bareKey = problemsOf({ ...minimal, LATCHKEY_CODEC_KEYS: key }).join();
    assert.match(bareKey, /entry 1 has no key id/);
    assert.ok(!bareKey.includes(key.slice(0, 8)));
    assert.match(
      problemsOf({ ...minimal, ENROLLMENT_CODE_TTL: '1h' }).join(),
      /ENROLLMENT_CODE_TTL: must not be longer than ENROLLMENT_STEP_TIMEOUT/,
    );
    assert.match(
      problemsOf({ ...minimal, EMAIL_PROVIDER: 'sendgrid' }).join(),
      /EMAIL_PROVIDER: must be one of outbox, smtp/,
    );
  });

  it('refuses to fall back to the outbox silently on a public address, and Twilio over plain HTTP', () => {
    const publicSite = { ...minimal, LATCHKEY_PUBLIC_URL: 'https://reset.example.com' };
    const found = problemsOf(publicSite).join('\n');
    assert.match(found, /EMAIL_PROVIDER: set SMTP_HOST \(or EMAIL_PROVIDER=outbox explicitly/);
    assert.match(found, /SMS_PROVIDER: set TWILIO_ACCOUNT_SID \(or SMS_PROVIDER=outbox explicitly/);
    assert.equal(
      loadConfig({ ...publicSite, EMAIL_PROVIDER: 'outbox', SMS_PROVIDER: 'outbox' }).email.provider,
      'outbox',
    );
    const twilio = { ...minimal, TWILIO_ACCOUNT_SID: 'AC1', TWILIO_AUTH_TOKEN: 't' };
    assert.match(
      problemsOf({ ...twilio, TWILIO_API_BASE_URL: 'http://relay.example.com' }).join(),
      /TWILIO_API_BASE_URL: must use https/,
    );
    // The check stands even when another provider is chosen: the variable says where secrets would go.
    assert.match(
      problemsOf({ ...minimal, SMS_PROVIDER: 'outbox', TWILIO_API_BASE_URL: 'http://relay.example.com' }).join(),
      /TWILIO_API_BASE_URL: must use https/,
    );
    assert.equal(loadConfig({ ...twilio, TWILIO_API_BASE_URL: 'http://127.0.0.1:4010' }).sms.provider, 'twilio');
  });

  it('falls back to the outbox silently only when both the public URL and the listening address are loopback', () => {
    assert.equal(loadConfig({ ...minimal, LATCHKEY_HTTP_HOST: '::1' }).email.provider, 'outbox');
    for (const host of ['0.0.0.0', '::', '192.0.2.10']) {
      const found = problemsOf({ ...minimal, LATCHKEY_HTTP_HOST: host }).join('\n');
      assert.match(found, /EMAIL_PROVIDER: .*LATCHKEY_HTTP_HOST is not a loopback address/, host);
      assert.match(found, /SMS_PROVIDER: .*LATCHKEY_HTTP_HOST is not a loopback address/, host);
    }
    // Chosen explicitly it is allowed; the server then does not serve it (server/http/known-host.test.ts).
    const explicit = { ...minimal, LATCHKEY_HTTP_HOST: '0.0.0.0', EMAIL_PROVIDER: 'outbox', SMS_PROVIDER: 'outbox' };
    assert.equal(loadConfig(explicit).http.loopbackOnly, false);
  });

  it('refuses an http:// public URL off loopback unless LATCHKEY_BEHIND_TLS_PROXY says a TLS proxy serves it', () => {
    const outbox = { ...minimal, EMAIL_PROVIDER: 'outbox', SMS_PROVIDER: 'outbox' };
    for (const url of ['http://reset.example.com', 'http://192.0.2.10:3000', 'http://localhost.example.com']) {
      assert.match(
        problemsOf({ ...outbox, LATCHKEY_PUBLIC_URL: url }).join(),
        /LATCHKEY_PUBLIC_URL: must be https:\/\/ anywhere but localhost/,
        url,
      );
    }
    const proxied = loadConfig({
      ...outbox,
      LATCHKEY_PUBLIC_URL: 'http://reset.example.com',
      LATCHKEY_BEHIND_TLS_PROXY: 'true',
    });
    assert.equal(proxied.http.https, false);
    for (const url of [
      'https://reset.example.com',
      'http://localhost:3000',
      'http://127.0.0.1:3000',
      'http://[::1]:3000',
    ]) {
      assert.deepEqual(problemsOf({ ...outbox, LATCHKEY_PUBLIC_URL: url }), [], url);
    }
    assert.equal(loadConfig({ ...outbox, LATCHKEY_PUBLIC_URL: 'https://reset.example.com' }).http.https, true);
    // The scheme is case-insensitive: an upper-case one passes the check above, so it must get HSTS and __Host- too.
    assert.equal(loadConfig({ ...outbox, LATCHKEY_PUBLIC_URL: 'HTTPS://reset.example.com' }).http.https, true);
  });

  it('picks SMTP and Twilio when they are configured, with their own settings', () => {
    const config = loadConfig({
      ...minimal,
      SMTP_HOST: 'mail.example.com',
      SMTP_SECURE: 'yes',
      SMTP_USER: 'latchkey',
      SMTP_PASSWORD: 'pw',
      TWILIO_ACCOUNT_SID: 'AC1',
      TWILIO_AUTH_TOKEN: 't',
    });
    assert.deepEqual(config.email, {
      provider: 'smtp',
      from: 'Latchkey <no-reply@latchkey.invalid>',
      host: 'mail.example.com',
      port: 587,
      secure: true,
      requireTls: true,
      auth: { user: 'latchkey', pass: 'pw' },
    });
    assert.equal(config.sms.provider, 'twilio');
  });

  it('refuses plain gRPC to a Temporal off this machine unless TLS is on or the opt-out is set', () => {
    assert.deepEqual(
      problemsOf({ ...minimal, TEMPORAL_ADDRESS: 'temporal.msp.example:7233' }).filter((p) =>
        p.startsWith('TEMPORAL_ADDRESS:'),
      ).length,
      1,
    );
    assert.ok(loadConfig({ ...minimal, TEMPORAL_ADDRESS: 'temporal.msp.example:7233', TEMPORAL_TLS: 'true' }));
    const optedOut = loadConfig({
      ...minimal,
      TEMPORAL_ADDRESS: 'temporal.internal:7233',
      TEMPORAL_ALLOW_INSECURE: 'true',
    });
    assert.equal(optedOut.temporalTransport.tls, undefined);
    assert.equal(loadConfig(minimal).temporalTransport.allowInsecure, false);
  });

  it('never echoes a secret in its messages', () => {
    const secrets = ['Sm7p-Pa55word!', 'tw1l10-t0ken-value', 'hunter2hunter2', 'dur4t10n-s3cret', 'l0g-l3vel-s3cret'];
    const found = problemsOf({
      // Secrets pasted into the wrong variable: a duration and an enum, whose parsers would quote their input.
      ENROLLMENT_CODE_TTL: secrets[3]!,
      LATCHKEY_LOG_LEVEL: secrets[4]!,
      LATCHKEY_MASTER_KEY: secrets[2]!,
      EMAIL_PROVIDER: 'smtp',
      SMTP_PASSWORD: secrets[0]!,
      SMTP_SECURE: secrets[0]!,
      SMS_PROVIDER: 'twilio',
      TWILIO_AUTH_TOKEN: secrets[1]!,
      TWILIO_API_BASE_URL: `http://user:${secrets[1]}@relay.example.com`,
    }).join('\n');
    assert.ok(found.length > 0);
    for (const secret of secrets) assert.ok(!found.includes(secret), `a message shows ${secret}:\n${found}`);
  });

  it('reads LATCHKEY_TRUST_PROXY as a hop count, true/false, or addresses, and names a value it cannot read', () => {
    const trust = (value: string) => loadConfig({ ...minimal, LATCHKEY_TRUST_PROXY: value }).http.trustProxy;
    assert.deepEqual(trust('loopback'), ['loopback']);
    assert.equal(loadConfig(minimal).http.trustProxy.toString(), 'loopback');
    // "1" used to reach Express as a string, which proxy-addr reads as the address 0.0.0.1 (F12).
    assert.equal(trust('1'), 1);
    assert.equal(trust('2'), 2);
    assert.equal(trust('true'), true);
    assert.equal(trust('false'), false);
    assert.deepEqual(trust('loopback, 10.0.0.0/8, 2001:db8::/32, 192.0.2.7'), [
      'loopback',
      '10.0.0.0/8',
      '2001:db8::/32',
      '192.0.2.7',
    ]);
    for (const bad of ['yes', '', 'loopback,', '10.0.0.0/33', '2001:db8::/129', '-1', '1.5'])
      assert.match(
        problemsOf({ ...minimal, LATCHKEY_TRUST_PROXY: bad }).join(),
        /LATCHKEY_TRUST_PROXY: .*(hop count)/,
        `"${bad}"`,
      );
  });

  it('is fully described by .env.example', () => {
    const example = readFileSync(join(__dirname, '..', '.env.example'), 'utf8');
    const documented = new Set([...example.matchAll(/^#?\s?([A-Z][A-Z0-9_]+)=/gm)].map((match) => match[1]));
    const missing = serverEnvironmentVariables.filter((name) => !documented.has(name));
    assert.deepEqual(missing, []);
  });
});
