import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Entry } from 'ldapts';
import { accountFlags, readObjectGuid, readSids, toDirectoryUser } from './user-entry';

const GUID_BYTES = Buffer.from('0156b8b71c09344c89ef83bb73271e04', 'hex');
const USERS_SID = Buffer.from('01020000000000052000000021020000', 'hex');

/** What ldapts hands back: requested attributes that the server did not return come as []. */
const entry = (attributes: Omit<Entry, 'dn'>): Entry => ({ dn: 'CN=u,OU=Staff,DC=corp,DC=example', ...attributes });

describe('reading a user entry, failing closed', () => {
  it('reads objectGUID only from bytes', () => {
    assert.equal(readObjectGuid(entry({ objectGUID: GUID_BYTES })), 'b7b85601-091c-4c34-89ef-83bb73271e04');
    // Case differs from explicitBufferAttributes, so ldapts decoded it as text: unusable, not guessed at.
    assert.equal(readObjectGuid(entry({ objectguid: GUID_BYTES.toString('latin1') })), null);
    assert.equal(readObjectGuid(entry({ objectGUID: [] })), null);
    assert.equal(readObjectGuid(entry({ objectGUID: [GUID_BYTES, GUID_BYTES] })), null);
  });

  it('reads tokenGroups as SIDs, and nothing readable as null rather than "no groups"', () => {
    assert.deepEqual(readSids(entry({ tokenGroups: USERS_SID }), 'tokenGroups'), ['S-1-5-32-545']);
    assert.equal(readSids(entry({ tokenGroups: [] }), 'tokenGroups'), null);
    assert.equal(readSids(entry({}), 'tokenGroups'), null);
    assert.equal(readSids(entry({ tokenGroups: [USERS_SID, Buffer.alloc(3)] }), 'tokenGroups'), null);
    assert.equal(readSids(entry({ tokenGroups: ['S-1-5-32-545'] }), 'tokenGroups'), null);
  });

  it('keeps a missing or garbled userAccountControl or adminCount visible, and never reads it as ordinary', () => {
    assert.deepEqual(accountFlags(entry({ userAccountControl: '512', adminCount: [] })), {
      userAccountControl: 512,
      adminCount: undefined,
    });
    assert.deepEqual(accountFlags(entry({ userAccountControl: [], adminCount: 'yes' })), {
      userAccountControl: undefined,
      adminCount: null,
    });
    const unreadable = toDirectoryUser(entry({ userAccountControl: [], adminCount: 'yes' }), 'g');
    assert.equal(unreadable.enabled, false);
    assert.equal(unreadable.protected, true);
    const ordinary = toDirectoryUser(entry({ userAccountControl: '512', adminCount: '0' }), 'g');
    assert.equal(ordinary.enabled, true);
    assert.equal(ordinary.protected, false);
  });
});
