import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { Secrets } from '../crypto/secrets';
import { deriveVerificationCode, hashVerificationCode } from './verification-code';

describe('SMS verification code', () => {
  const secrets = new Secrets(randomBytes(32));

  it('is six digits, and the same for every retry of one send', () => {
    const code = deriveVerificationCode(secrets, 'enrollment-1', 'nonce-1');
    assert.match(code, /^\d{6}$/);
    assert.equal(deriveVerificationCode(secrets, 'enrollment-1', 'nonce-1'), code);
  });

  it('changes with the send and the enrollment, and with the key', () => {
    const codes = new Set<string>();
    for (let i = 0; i < 50; i++) codes.add(deriveVerificationCode(secrets, 'enrollment-1', `nonce-${i}`));
    assert.ok(codes.size > 45, 'new nonces give new codes');
    const code = deriveVerificationCode(secrets, 'enrollment-1', 'nonce-1');
    const others = [
      deriveVerificationCode(secrets, 'enrollment-2', 'nonce-1'),
      deriveVerificationCode(new Secrets(randomBytes(32)), 'enrollment-1', 'nonce-1'),
    ];
    assert.ok(others.some((other) => other !== code));
  });

  it('is checked by a keyed hash bound to its enrollment, never by the code itself', () => {
    const hash = hashVerificationCode(secrets, 'enrollment-1', '123456');
    assert.match(hash, /^[A-Za-z0-9_-]{43}$/);
    assert.equal(hashVerificationCode(secrets, 'enrollment-1', '123456'), hash);
    assert.notEqual(hashVerificationCode(secrets, 'enrollment-2', '123456'), hash);
    assert.notEqual(hashVerificationCode(secrets, 'enrollment-1', '123457'), hash);
    assert.ok(!hash.includes('123456'));
  });
});
