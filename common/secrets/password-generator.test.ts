import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { generatePassword, PASSWORD_ALPHABETS } from './password-generator';

describe('generatePassword', () => {
  const key = randomBytes(32);

  it('meets AD complexity at every length and uses no ambiguous character', () => {
    for (let i = 0; i < 500; i++) {
      const password = generatePassword(8 + (i % 20), key, `n${i}`);
      assert.equal(password.length, 8 + (i % 20));
      for (const alphabet of Object.values(PASSWORD_ALPHABETS))
        assert.ok(
          [...password].some((c) => alphabet.includes(c)),
          password,
        );
      assert.doesNotMatch(password, /[0O1lIoi5S2Z8B]/);
    }
  });

  it('gives the same password for the same nonce, so a retry sets what will be delivered', () => {
    assert.equal(generatePassword(12, key, 'reset-1'), generatePassword(12, key, 'reset-1'));
    assert.notEqual(generatePassword(12, key, 'reset-1'), generatePassword(12, key, 'reset-2'));
    assert.notEqual(generatePassword(12, key, 'reset-1'), generatePassword(12, randomBytes(32), 'reset-1'));
  });

  it('spreads characters evenly', () => {
    const counts = new Map<string, number>();
    for (let i = 0; i < 2000; i++)
      for (const c of generatePassword(16, key, `s${i}`)) counts.set(c, (counts.get(c) ?? 0) + 1);
    const values = [...counts.values()];
    assert.ok(Math.max(...values) / Math.min(...values) < 3.5, 'no character is grossly over-represented');
  });

  it('refuses lengths outside 8–64', () => {
    assert.throws(() => generatePassword(7, key, 'x'), /8 to 64/);
    assert.throws(() => generatePassword(65, key, 'x'), /8 to 64/);
  });
});
