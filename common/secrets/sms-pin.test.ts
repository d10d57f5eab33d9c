import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { Secrets } from '../crypto/secrets';
import { checkNewPin, hashSmsPin } from './sms-pin';

describe('SMS PIN', () => {
  it('accepts 4 to 8 digits typed twice the same', () => {
    assert.deepEqual(checkNewPin(' 4821 ', '4821'), { ok: true, pin: '4821' });
    assert.deepEqual(checkNewPin('48210937', '48210937'), { ok: true, pin: '48210937' });
  });

  it('refuses other lengths, non-digits, guessable runs and a mismatch, without echoing the PIN', () => {
    for (const [pin, confirmation] of [
      ['482', '482'],
      ['482109371', '482109371'],
      ['48a1', '48a1'],
      [undefined, undefined],
    ] as const) {
      const result = checkNewPin(pin, confirmation);
      assert.equal(result.ok, false, String(pin));
    }
    for (const pin of ['0000', '1234', '98765', '7890', '3210']) {
      const result = checkNewPin(pin, pin);
      assert.ok(!result.ok && /too easy/.test(result.error), pin);
    }
    const mismatch = checkNewPin('4821', '4812');
    assert.ok(!mismatch.ok && /do not match/.test(mismatch.error) && !mismatch.error.includes('4821'));
  });

  it('hashes with a key and binds the hash to the user', () => {
    const secrets = new Secrets(randomBytes(32));
    const hash = hashSmsPin(secrets, 'user-a', '4821');
    assert.match(hash, /^[A-Za-z0-9_-]{43}$/);
    assert.equal(hashSmsPin(secrets, 'user-a', '4821'), hash);
    assert.notEqual(hashSmsPin(secrets, 'user-b', '4821'), hash);
    assert.notEqual(hashSmsPin(new Secrets(randomBytes(32)), 'user-a', '4821'), hash);
  });
});
