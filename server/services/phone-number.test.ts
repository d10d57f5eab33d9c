import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { normalisePhoneNumber } from './phone-number';

describe('normalisePhoneNumber', () => {
  it('normalises national and international forms to E.164', () => {
    assert.equal(normalisePhoneNumber('(415) 555-2671', 'US'), '+14155552671');
    assert.equal(normalisePhoneNumber('+44 7911 123456', 'US'), '+447911123456');
    assert.equal(normalisePhoneNumber('07911 123456', 'GB'), '+447911123456');
  });

  it('refuses what cannot receive a text, saying why', () => {
    assert.throws(() => normalisePhoneNumber('', 'US'), /Enter your cell phone number/);
    assert.throws(() => normalisePhoneNumber('555-CALL-NOW', 'US'), /only digits/);
    assert.throws(() => normalisePhoneNumber('123', 'US'), /not look like a valid phone number/);
    assert.throws(() => normalisePhoneNumber('+44 20 7946 0958', 'US'), /cannot receive text messages/);
  });
});
