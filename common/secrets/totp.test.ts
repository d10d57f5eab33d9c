import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  base32Decode,
  base32Encode,
  hotp,
  matchingTotpStep,
  newTotpSecret,
  otpauthUri,
  totpAt,
  totpStepAt,
} from './totp';

describe('TOTP (RFC 6238)', () => {
  // RFC 6238 appendix B, SHA-1 column: the ASCII key "12345678901234567890", 8 digits.
  const key = Buffer.from('12345678901234567890', 'ascii');
  const vectors: Array<[number, string]> = [
    [59, '94287082'],
    [1111111109, '07081804'],
    [1111111111, '14050471'],
    [1234567890, '89005924'],
    [2000000000, '69279037'],
    [20000000000, '65353130'],
  ];
  for (const [seconds, expected] of vectors) {
    it(`gives ${expected} at T=${seconds}`, () => {
      assert.equal(hotp(key, totpStepAt(seconds * 1000), 8), expected);
    });
  }

  it('round-trips base32 (RFC 4648 test vectors)', () => {
    assert.equal(base32Encode(Buffer.from('foobar')), 'MZXW6YTBOI');
    assert.equal(base32Decode('MZXW6YTBOI======').toString(), 'foobar');
    assert.equal(base32Decode(base32Encode(key)).toString('ascii'), '12345678901234567890');
  });

  it('accepts the code of the step before, now and after, and nothing further', () => {
    const secret = newTotpSecret();
    const now = Date.UTC(2026, 0, 1, 12, 0, 15);
    const step = totpStepAt(now);
    for (const offset of [-1, 0, 1])
      assert.equal(matchingTotpStep(secret, totpAt(secret, now + offset * 30_000), now), step + offset);
    for (const offset of [-2, 2]) {
      const code = totpAt(secret, now + offset * 30_000);
      // A far code may collide with a near one by chance (1 in 10^6); only then would it match.
      const near = [-1, 0, 1].map((o) => totpAt(secret, now + o * 30_000));
      if (!near.includes(code)) assert.equal(matchingTotpStep(secret, code, now), undefined);
    }
    assert.equal(matchingTotpStep(secret, '12345', now), undefined);
    assert.equal(matchingTotpStep(secret, 'abcdef', now), undefined);
  });

  it('writes an otpauth URI that authenticator apps read', () => {
    const uri = new URL(otpauthUri('JBSWY3DPEHPK3PXP', 'ann@example.com'));
    assert.equal(uri.protocol, 'otpauth:');
    assert.equal(uri.searchParams.get('secret'), 'JBSWY3DPEHPK3PXP');
    assert.equal(uri.searchParams.get('period'), '30');
  });
});
