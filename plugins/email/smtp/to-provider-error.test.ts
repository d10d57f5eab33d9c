import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InvalidRecipientError, ProviderConfigurationError, ProviderUnavailableError } from '../../errors';
import { toProviderError } from './to-provider-error';

/** Shaped like nodemailer's errors: message with the server reply appended, plus code/responseCode/command. */
function smtpError(code: string, command: string, response?: string): Error {
  const error = Object.assign(new Error(`${code} failure${response ? `: ${response}` : ''}`), { code, command });
  if (response) Object.assign(error, { response, responseCode: Number(response.slice(0, 3)) });
  return error;
}

describe('toProviderError (SMTP)', () => {
  it('treats a 5xx on RCPT TO as an invalid recipient, without echoing the address', () => {
    const error = toProviderError(smtpError('EENVELOPE', 'RCPT TO', '550 5.1.1 <bob@example.test>: no such user'));
    assert.ok(error instanceof InvalidRecipientError);
    assert.equal(error.retryable, false);
    assert.equal(error.providerId, 'smtp');
    assert.match(error.message, /EENVELOPE.*RCPT TO.*550/);
    assert.ok(!error.message.includes('bob@example.test'));
  });

  it("tells nodemailer's own recipient checks from its sender checks", () => {
    const noRecipients = Object.assign(new Error('No recipients defined'), { code: 'EENVELOPE', command: 'API' });
    assert.ok(toProviderError(noRecipients) instanceof InvalidRecipientError);
    const badSender = Object.assign(new Error('Invalid sender "x"'), { code: 'EENVELOPE', command: 'API' });
    assert.ok(toProviderError(badSender) instanceof ProviderConfigurationError);
  });

  it('treats authentication failures as configuration errors', () => {
    assert.ok(
      toProviderError(smtpError('EAUTH', 'AUTH PLAIN', '535 5.7.8 Authentication failed')) instanceof
        ProviderConfigurationError,
    );
    assert.ok(toProviderError(smtpError('EAUTH', 'API')) instanceof ProviderConfigurationError);
    assert.ok(
      toProviderError(smtpError('EENVELOPE', 'MAIL FROM', '530 5.7.0 Authentication required')) instanceof
        ProviderConfigurationError,
    );
  });

  it('treats a refused sender or message and impossible TLS as configuration errors', () => {
    assert.ok(
      toProviderError(smtpError('EENVELOPE', 'MAIL FROM', '553 5.7.1 Sender not owned')) instanceof
        ProviderConfigurationError,
    );
    assert.ok(
      toProviderError(smtpError('EMESSAGE', 'DATA', '554 5.6.0 Message rejected')) instanceof
        ProviderConfigurationError,
    );
    assert.ok(
      toProviderError(smtpError('ETLS', 'STARTTLS', '502 5.5.1 Unrecognized command')) instanceof
        ProviderConfigurationError,
    );
  });

  it('treats connection problems and 4xx replies as unavailable', () => {
    for (const code of ['ECONNECTION', 'ETIMEDOUT', 'ESOCKET', 'EDNS']) {
      const error = toProviderError(smtpError(code, 'CONN'));
      assert.ok(error instanceof ProviderUnavailableError, code);
      assert.equal(error.retryable, true);
    }
    assert.ok(
      toProviderError(smtpError('EENVELOPE', 'RCPT TO', '450 4.2.1 Mailbox busy')) instanceof ProviderUnavailableError,
    );
    assert.ok(
      toProviderError(smtpError('EMESSAGE', 'DATA', '451 4.3.0 Try again later')) instanceof ProviderUnavailableError,
    );
    assert.ok(
      toProviderError(smtpError('EAUTH', 'AUTH PLAIN', '454 4.7.0 Temporary authentication failure')) instanceof
        ProviderUnavailableError,
    );
  });

  it('treats anything else as unavailable and passes ProviderErrors through', () => {
    assert.ok(toProviderError(new Error('???')) instanceof ProviderUnavailableError);
    const mapped = new InvalidRecipientError('x', 'smtp');
    assert.equal(toProviderError(mapped), mapped);
  });
});
