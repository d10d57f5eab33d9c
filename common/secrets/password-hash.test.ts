import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { hashPassword, verifyAgainstDecoy, verifyPassword } from './password-hash';

describe('technician password hashes', () => {
  it('verifies the right password and refuses another', async () => {
    const stored = await hashPassword('correct horse battery staple');
    assert.match(stored, /^scrypt\$32768\$8\$1\$/);
    assert.ok(!stored.includes('correct'));
    assert.equal(await verifyPassword('correct horse battery staple', stored), true);
    assert.equal(await verifyPassword('correct horse battery stapl', stored), false);
    assert.equal(await verifyPassword('x', 'not-a-hash'), false);
    assert.equal(await verifyAgainstDecoy('anything'), false);
  });

  it('salts each hash', async () => {
    assert.notEqual(await hashPassword('same'), await hashPassword('same'));
  });
});
