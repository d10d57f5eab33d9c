import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Problems } from '../../../common/env';
import { parseSmtpConfig, smtpEnv, type SmtpEmailConfigInput } from './smtp.config';
import { configProblems } from '../../../test/support/config-problems';

const BASE: SmtpEmailConfigInput = { from: 'Latchkey <no-reply@msp.example>', host: 'mail.msp.example' };

const problems = (input: SmtpEmailConfigInput) => configProblems(() => parseSmtpConfig(input));

function fromEnv(env: Record<string, string>) {
  const found = new Problems();
  const config = smtpEnv.read(env, { from: BASE.from }, found);
  return { config, problems: found.list };
}

describe('parseSmtpConfig', () => {
  it('fills in safe defaults: port 587, STARTTLS required', () => {
    const config = parseSmtpConfig(BASE);
    assert.equal(config.provider, 'smtp');
    assert.equal(config.port, 587);
    assert.equal(config.secure, false);
    assert.equal(config.requireTls, true);
    assert.equal(config.auth, undefined);
  });

  it('requires a host and a sane port, and never puts the password in its messages', () => {
    const found = problems({ ...BASE, host: '', port: 70_000, auth: { user: '', pass: 'Sm7p-Pa55word!' } });
    assert.match(found.join(), /smtp host: is required for SMTP/);
    assert.match(found.join(), /smtp port:/);
    assert.ok(!found.join().includes('Sm7p-Pa55word!'));
  });
});

describe('smtpEnv', () => {
  it('reads SMTP_* into the config, with the flags written any of the usual ways', () => {
    const { config, problems } = fromEnv({
      SMTP_HOST: 'mail.msp.example',
      SMTP_PORT: '465',
      SMTP_SECURE: 'yes',
      SMTP_REQUIRE_TLS: '0',
      SMTP_USER: 'latchkey',
      SMTP_PASSWORD: 'pw',
    });
    assert.deepEqual(problems, []);
    assert.deepEqual(config, {
      provider: 'smtp',
      from: BASE.from,
      host: 'mail.msp.example',
      port: 465,
      secure: true,
      requireTls: false,
      auth: { user: 'latchkey', pass: 'pw' },
    });
    assert.equal(smtpEnv.detectedBy, 'SMTP_HOST');
  });

  it('names the variables to fix', () => {
    const { config, problems } = fromEnv({ SMTP_SECURE: 'maybe', SMTP_PASSWORD: 'Sm7p-Pa55word!' });
    assert.equal(config, undefined);
    assert.match(problems.join(), /SMTP_SECURE: must be true or false/);
    assert.match(fromEnv({}).problems.join(), /SMTP_HOST: is required for SMTP/);
    assert.ok(!problems.join().includes('Sm7p-Pa55word!'));
  });
});
