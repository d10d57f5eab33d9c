import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Request } from 'express';
import { bearerToken } from './bearer-token';

const withAuthorization = (value: string | undefined) =>
  ({ get: (name: string) => (name.toLowerCase() === 'authorization' ? value : undefined) }) as unknown as Request;

describe('bearerToken', () => {
  it('reads the token, whatever the case of the scheme', () => {
    assert.equal(bearerToken(withAuthorization('Bearer lk_abc_def-123')), 'lk_abc_def-123');
    assert.equal(bearerToken(withAuthorization('bearer tok')), 'tok');
    assert.equal(bearerToken(withAuthorization('BEARER tok')), 'tok');
  });

  it('finds none in a missing, empty, other-scheme or malformed header', () => {
    for (const header of [undefined, '', 'Bearer', 'Bearer ', 'Basic dXNlcjpwYXNz', 'tok', 'Bearer a b', 'Bearertok']) {
      assert.equal(bearerToken(withAuthorization(header)), undefined, JSON.stringify(header));
    }
  });
});
