import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { privilegedGroupIn } from './privileged-groups';

const DOMAIN = 'S-1-5-21-1396406935-2556811651-757711180';
const FOREST_ROOT = 'S-1-5-21-111-222-333';

describe('privilegedGroupIn', () => {
  it('names each built-in privileged group', () => {
    const cases: Array<[string, string]> = [
      [`${DOMAIN}-512`, 'Domain Admins'],
      [`${FOREST_ROOT}-518`, 'Schema Admins'],
      [`${FOREST_ROOT}-519`, 'Enterprise Admins'],
      ['S-1-5-32-544', 'Administrators'],
      ['S-1-5-32-548', 'Account Operators'],
      ['S-1-5-32-549', 'Server Operators'],
      ['S-1-5-32-550', 'Print Operators'],
      ['S-1-5-32-551', 'Backup Operators'],
    ];
    for (const [sid, name] of cases) {
      assert.equal(privilegedGroupIn([`${DOMAIN}-513`, 'S-1-5-32-545', sid]), name, sid);
    }
  });

  it('passes ordinary memberships', () => {
    assert.equal(privilegedGroupIn([`${DOMAIN}-513`, 'S-1-5-32-545', `${DOMAIN}-1104`, `${DOMAIN}-5120`]), undefined);
    // RID 512 outside the S-1-5-21 domain form is some other authority's SID, not a Domain Admins group.
    assert.equal(privilegedGroupIn(['S-1-5-32-512', 'S-1-5-21-1-2-512']), undefined);
    assert.equal(privilegedGroupIn([]), undefined);
  });
});
