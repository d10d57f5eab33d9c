import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { inspect } from 'node:util';
import twilio from 'twilio';
import TwilioServiceException from 'twilio/lib/base/TwilioServiceException';
import {
  InvalidRecipientError,
  ProviderConfigurationError,
  ProviderRateLimitedError,
  ProviderUnavailableError,
} from '../../errors';
import { retryAfterMs, toProviderError } from './to-provider-error';

const AUTH_HEADER = 'Basic ' + Buffer.from('ACxxxx:super-secret-token').toString('base64');

function restException(status: number, code: number, message = 'Twilio says no'): Error {
  return new twilio.RestException({
    statusCode: status,
    body: { code, message, more_info: `https://www.twilio.com/docs/errors/${code}`, status },
  });
}

/** What axios throws when no response arrived: the request, credentials and form body included. */
function axiosNetworkError(code: string, message: string): Error {
  return Object.assign(new Error(message), {
    code,
    isAxiosError: true,
    config: { headers: { Authorization: AUTH_HEADER }, data: 'To=%2B14155550123&Body=Your+code+is+482913' },
  });
}

describe('toProviderError (Twilio)', () => {
  it('treats invalid or non-mobile numbers as invalid recipients', () => {
    for (const code of [21211, 21614, 21610]) {
      const error = toProviderError(restException(400, code, "The 'To' number +1415 is not a valid phone number."));
      assert.ok(error instanceof InvalidRecipientError, `code ${code}`);
      assert.equal(error.retryable, false);
      assert.equal(error.providerId, 'twilio');
      assert.ok(error.message.includes(String(code)));
      assert.ok(!error.message.includes('+1415'), 'Twilio free text (which can echo the number) is left out');
    }
  });

  it('treats authentication and sender problems as configuration errors', () => {
    assert.ok(toProviderError(restException(401, 20003, 'Authenticate')) instanceof ProviderConfigurationError);
    assert.ok(toProviderError(restException(400, 21606)) instanceof ProviderConfigurationError);
    assert.ok(toProviderError(restException(403, 99999)) instanceof ProviderConfigurationError);
  });

  it('treats 429 and 20429 as rate limiting, honouring Retry-After', () => {
    const byStatus = toProviderError(restException(429, 20429), { retryAfter: '12' });
    assert.ok(byStatus instanceof ProviderRateLimitedError);
    assert.equal(byStatus.retryAfterMs, 12_000);
    assert.equal(byStatus.retryable, true);

    const byCode = toProviderError(restException(400, 20429));
    assert.ok(byCode instanceof ProviderRateLimitedError);
    assert.equal(byCode.retryAfterMs, undefined);
  });

  it('understands the RFC 9457 exception shape as well', () => {
    const error = new TwilioServiceException({
      statusCode: 400,
      body: { type: 'https://www.twilio.com/docs/errors/21211', title: 'Invalid To', status: 400, code: 21211 },
    });
    assert.ok(toProviderError(error) instanceof InvalidRecipientError);
  });

  it('treats 5xx as unavailable', () => {
    for (const status of [500, 502, 503]) {
      assert.ok(toProviderError(restException(status, 20500)) instanceof ProviderUnavailableError, `HTTP ${status}`);
    }
  });

  it('treats connection failures and timeouts as unavailable without leaking the request', () => {
    const refused = toProviderError(axiosNetworkError('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:9'));
    assert.ok(refused instanceof ProviderUnavailableError);
    assert.match(refused.message, /ECONNREFUSED/);

    const timeout = toProviderError(axiosNetworkError('ECONNABORTED', 'timeout of 15000ms exceeded'));
    assert.ok(timeout instanceof ProviderUnavailableError);
    assert.match(timeout.message, /timed out/);

    for (const error of [refused, timeout]) {
      const rendered = inspect(error, { depth: 10 });
      assert.ok(!rendered.includes('482913'), rendered);
      assert.ok(!rendered.includes('super-secret-token') && !rendered.includes(AUTH_HEADER), rendered);
    }
  });

  it('treats errors it cannot classify as unavailable, so the activity retry policy decides', () => {
    assert.ok(toProviderError(new TypeError('boom')) instanceof ProviderUnavailableError);
    assert.ok(toProviderError('a string') instanceof ProviderUnavailableError);
  });

  it('passes a ProviderError through unchanged', () => {
    const original = new InvalidRecipientError('already mapped', 'twilio');
    assert.equal(toProviderError(original), original);
  });
});

describe('retryAfterMs', () => {
  it('reads delta-seconds and HTTP dates', () => {
    assert.equal(retryAfterMs('30'), 30_000);
    assert.equal(retryAfterMs(['5']), 5_000);
    const now = Date.parse('2025-01-01T00:00:00Z');
    assert.equal(retryAfterMs('Wed, 01 Jan 2025 00:00:10 GMT', now), 10_000);
    assert.equal(retryAfterMs('soon'), undefined);
    assert.equal(retryAfterMs(undefined), undefined);
  });
});
