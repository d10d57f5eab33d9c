import assert from 'node:assert/strict';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import type { DirectoryCommand } from '../domain/directory-command';
import { checkLockoutWatchProof, lockoutWatchProof, signDirectoryCommand } from './directory-command';

describe('lockout watch result proof', () => {
  const { privateKey } = generateKeyPairSync('ed25519');
  const command = (cursor: string | null): DirectoryCommand => ({
    v: 1,
    requestId: '00000000-0000-4000-8000-000000000001',
    clientId: '00000000-0000-4000-8000-000000000002',
    operation: 'watch-lockouts',
    account: '',
    objectGuid: null,
    generation: 1,
    nonce: '',
    issuedAt: 1,
    expiresAt: 2,
    passwordLength: 0,
    mustChangeAtNextLogon: false,
    unlock: false,
    watch: { cursor, waitMs: 5_000 },
  });
  const key = randomBytes(32);
  const signed = signDirectoryCommand(privateKey, command('{"v":1}'));
  const change = { account: 'jdoe', objectGuid: 'g', locked: true, lockedAtMs: 5, unlocksAtMs: 60_005 };
  const outcome = { cursor: 'next', changes: [change] };
  const result = { ...outcome, proof: lockoutWatchProof(key, signed, outcome) };

  it("accepts the agent's own answer to that command", () => {
    assert.equal(checkLockoutWatchProof(key, signed, result), true);
  });

  it('rejects a hidden lockout, an invented one, a swapped cursor, another command or another key', () => {
    assert.equal(checkLockoutWatchProof(key, signed, { ...result, changes: [] }), false, 'a lockout dropped');
    assert.equal(
      checkLockoutWatchProof(key, signed, { ...result, changes: [change, { ...change, account: 'ceo' }] }),
      false,
      'a lockout invented',
    );
    assert.equal(checkLockoutWatchProof(key, signed, { ...result, changes: [{ ...change, locked: false }] }), false);
    assert.equal(checkLockoutWatchProof(key, signed, { ...result, cursor: 'far-ahead' }), false, 'a cursor swapped');
    const other = signDirectoryCommand(privateKey, command(null));
    assert.equal(checkLockoutWatchProof(key, other, result), false, 'replayed for another command');
    assert.equal(checkLockoutWatchProof(randomBytes(32), signed, result), false, 'made without the key');
    assert.equal(checkLockoutWatchProof(key, signed, { ...result, proof: undefined as unknown as string }), false);
  });
});
