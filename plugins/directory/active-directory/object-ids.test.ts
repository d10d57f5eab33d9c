import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CANONICAL_GUID, guidToString, sidToString } from './object-ids';

describe('objectGUID and SID text forms', () => {
  it('byte-swaps the first three GUID fields, as Windows prints them', () => {
    // The same bytes Samba returned for a test user, and the form its <GUID=…> DN lookup accepted.
    const bytes = Buffer.from('0156b8b71c09344c89ef83bb73271e04', 'hex');
    assert.equal(guidToString(bytes), 'b7b85601-091c-4c34-89ef-83bb73271e04');
    assert.match(guidToString(bytes)!, CANONICAL_GUID);
  });

  it('refuses a GUID of the wrong length rather than printing a wrong one', () => {
    assert.equal(guidToString(Buffer.alloc(15)), null);
    assert.equal(guidToString(Buffer.alloc(17)), null);
  });

  it('reads domain and built-in SIDs', () => {
    const domainAdmins = Buffer.from('010500000000000515000000977a3b5383d965984cc1292d00020000', 'hex');
    assert.equal(sidToString(domainAdmins), 'S-1-5-21-1396406935-2556811651-757711180-512');
    assert.equal(sidToString(Buffer.from('01020000000000052000000020020000', 'hex')), 'S-1-5-32-544');
  });

  it('refuses truncated, padded or foreign-revision SIDs', () => {
    const sid = Buffer.from('01020000000000052000000020020000', 'hex');
    assert.equal(sidToString(sid.subarray(0, 15)), null);
    assert.equal(sidToString(Buffer.concat([sid, Buffer.alloc(1)])), null);
    assert.equal(sidToString(Buffer.from([2, ...sid.subarray(1)])), null);
    assert.equal(sidToString(Buffer.alloc(4)), null);
  });
});
