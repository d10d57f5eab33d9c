import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';
import { startSmtpReceiver, type SmtpReceiver } from '../../../test/fakes/smtp-receiver';
import { InvalidRecipientError, ProviderConfigurationError, ProviderUnavailableError } from '../../errors';
import type { SmtpEmailConfig } from './smtp.config';
import { SmtpEmailProvider } from './smtp.provider';

const FROM = 'Latchkey <no-reply@latchkey.test>';

function configFor(
  receiver: { host: string; port: number },
  overrides: Partial<SmtpEmailConfig> = {},
): SmtpEmailConfig {
  return {
    provider: 'smtp',
    from: FROM,
    host: receiver.host,
    port: receiver.port,
    secure: false,
    requireTls: false,
    ...overrides,
  };
}

/** Each test gets its own provider so that a pooled connection never outlives the test that opened it. */
async function withProvider<T>(config: SmtpEmailConfig, run: (provider: SmtpEmailProvider) => Promise<T>): Promise<T> {
  const provider = new SmtpEmailProvider(config);
  try {
    return await run(provider);
  } finally {
    await provider.close();
  }
}

describe('SmtpEmailProvider against a real SMTP receiver', () => {
  let receiver: SmtpReceiver;

  before(async () => {
    receiver = await startSmtpReceiver({ rejectRecipients: /^nobody@/ });
  });
  afterEach(() => receiver.clear());
  after(() => receiver.close());

  it('delivers subject, text and html, and returns the Message-ID', async () => {
    const text =
      'Réinitialisez votre mot de passe : https://latchkey.test/r/abc?token=' + 'x'.repeat(90) + ' (code 482913)';
    const html = `<p>Réinitialisez votre mot de passe — <a href="https://latchkey.test/r/abc">ici</a></p>`;
    const sent = await withProvider(configFor(receiver), (provider) =>
      provider.send({ to: 'alice@example.test', subject: 'Votre code — Latchkey', text, html }),
    );

    const email = await receiver.waitForMessage((m) => m.headers['message-id'] === sent.providerMessageId, 2_000);
    assert.match(sent.providerMessageId, /^<.+@.+>$/);
    assert.deepEqual(email.envelope, { from: 'no-reply@latchkey.test', to: ['alice@example.test'] });
    assert.equal(email.subject, 'Votre code — Latchkey');
    assert.equal(email.from, FROM);
    assert.equal(email.to, 'alice@example.test');
    assert.equal(email.text, text);
    assert.equal(email.html, html);
  });

  it('reuses the pool for several messages', async () => {
    await withProvider(configFor(receiver), (provider) =>
      Promise.all(
        ['a', 'b', 'c'].map((name) =>
          provider.send({ to: `${name}@example.test`, subject: name, text: name, html: `<b>${name}</b>` }),
        ),
      ),
    );
    assert.deepEqual(receiver.messages.map((m) => m.subject).sort(), ['a', 'b', 'c']);
  });

  it('maps a refused recipient to InvalidRecipientError', async () => {
    const error = await withProvider(configFor(receiver), (provider) =>
      provider.send({ to: 'nobody@example.test', subject: 's', text: 't', html: '<p>t</p>' }).catch((e: unknown) => e),
    );
    assert.ok(error instanceof InvalidRecipientError, String(error));
    assert.equal(receiver.messages.length, 0);
  });

  it('passes healthCheck when the server answers', async () => {
    await withProvider(configFor(receiver), (provider) => provider.healthCheck());
  });

  it('maps requireTls against a server without STARTTLS to a configuration error', async () => {
    const error = await withProvider(configFor(receiver, { requireTls: true }), (provider) =>
      provider.send({ to: 'alice@example.test', subject: 's', text: 't', html: '<p>t</p>' }).catch((e: unknown) => e),
    );
    assert.ok(error instanceof ProviderConfigurationError, String(error));
  });

  it('maps a server that is down to ProviderUnavailableError, for send and healthCheck', async () => {
    const down = await startSmtpReceiver();
    const address = { host: down.host, port: down.port };
    await down.close();

    await withProvider(configFor(address), async (provider) => {
      const sendError = await provider
        .send({ to: 'alice@example.test', subject: 's', text: 't', html: '<p>t</p>' })
        .catch((e: unknown) => e);
      assert.ok(sendError instanceof ProviderUnavailableError, String(sendError));
      const healthError = await provider.healthCheck().catch((e: unknown) => e);
      assert.ok(healthError instanceof ProviderUnavailableError, String(healthError));
    });
  });
});

describe('SmtpEmailProvider with SMTP authentication', () => {
  let receiver: SmtpReceiver;
  const auth = { user: 'latchkey', pass: 'smtp-password' };

  before(async () => {
    receiver = await startSmtpReceiver({ auth });
  });
  after(() => receiver.close());

  it('logs in with the configured credentials', async () => {
    await withProvider(configFor(receiver, { auth }), (provider) =>
      provider.send({ to: 'alice@example.test', subject: 'hello', text: 't', html: '<p>t</p>' }),
    );
    assert.equal(receiver.messages.length, 1);
  });

  it('maps wrong credentials to ProviderConfigurationError', async () => {
    const error = await withProvider(
      configFor(receiver, { auth: { ...auth, pass: 'not-the-pass-7f3a' } }),
      (provider) =>
        provider.send({ to: 'alice@example.test', subject: 's', text: 't', html: '<p>t</p>' }).catch((e: unknown) => e),
    );
    assert.ok(error instanceof ProviderConfigurationError, String(error));
    assert.match(error.message, /EAUTH/);
    assert.ok(!error.message.includes('not-the-pass-7f3a'), 'the password never reaches the message');
  });
});
