import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FailureType } from './failure-types';

describe('FailureType', () => {
  it('gives every failure its own wire value, so no two failures can be mistaken for each other', () => {
    const values = Object.values(FailureType);
    assert.equal(new Set(values).size, values.length);
  });

  it('keeps a missing Latchkey user apart from an account the directory cannot find', () => {
    assert.notEqual(FailureType.LatchkeyUserNotFound, FailureType.UserNotFoundError);
  });
});
