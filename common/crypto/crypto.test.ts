import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { FieldCipher } from './field-cipher';
import { deriveKey, parseKeyRing } from './keys';
import { Secrets } from './secrets';

describe('keys and hashes', () => {
  it('derives different keys for different purposes from one master key', () => {
    const master = randomBytes(32);
    assert.notDeepEqual(deriveKey(master, 'api-key-hash'), deriveKey(master, 'sms-code'));
    const secrets = new Secrets(master);
    assert.notEqual(secrets.hash('api-key-hash', 'x'), secrets.hash('link-token-hash', 'x'));
    assert.equal(secrets.hash('sms-code', 'x'), new Secrets(master).hash('sms-code', 'x'));
  });

  it('parses a key ring whose first key is current, and refuses malformed entries', () => {
    const k = randomBytes(32).toString('base64');
    const ring = parseKeyRing(`new:${k}, old:${k}`, 'TEST');
    assert.equal(ring.currentKeyId, 'new');
    assert.ok(ring.get('old'));
    assert.throws(() => parseKeyRing('', 'TEST'), /holds no key/);
    assert.throws(() => parseKeyRing(`bad id:${k}`, 'TEST'), /may use only/);
    assert.throws(() => parseKeyRing('k:AAAA', 'TEST'), /32 bytes/);
  });
});

describe('FieldCipher', () => {
  it('round-trips, hides the plaintext, and will not decrypt into another column', () => {
    const cipher = new FieldCipher(randomBytes(32));
    const sealed = cipher.encrypt('+14155552671', 'users.phone_encrypted');
    assert.ok(!sealed.includes('4155552671'));
    assert.notEqual(sealed, cipher.encrypt('+14155552671', 'users.phone_encrypted'), 'a fresh IV each time');
    assert.equal(cipher.decrypt(sealed, 'users.phone_encrypted'), '+14155552671');
    assert.throws(() => cipher.decrypt(sealed, 'users.email'));
  });
});
