import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseActiveDirectoryConfig, type ActiveDirectoryConfigInput } from './active-directory.config';
import { configProblems } from '../../../test/support/config-problems';

const PEM = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
const BASE: ActiveDirectoryConfigInput = {
  url: 'ldaps://dc1.corp.example',
  bindDn: 'CN=svc-latchkey,OU=Service,DC=corp,DC=example',
  bindPassword: 'hunter2-but-longer',
  baseDn: 'DC=corp,DC=example',
  caPem: PEM,
};

const problems = (input: ActiveDirectoryConfigInput) => configProblems(() => parseActiveDirectoryConfig(input));

describe('parseActiveDirectoryConfig', () => {
  it('fills in safe defaults', () => {
    const config = parseActiveDirectoryConfig(BASE);
    assert.equal(config.id, 'active-directory');
    assert.equal(config.startTls, false);
    assert.equal(config.allowProtectedAccounts, false);
    assert.equal(config.connectTimeoutMs, 5_000);
    assert.equal(config.operationTimeoutMs, 10_000);
  });

  it('refuses a plain ldap:// URL unless StartTLS is on, and StartTLS on top of ldaps://', () => {
    assert.match(problems({ ...BASE, url: 'ldap://dc1.corp.example' }).join(), /needs startTls/);
    assert.deepEqual(problems({ ...BASE, url: 'ldap://dc1.corp.example', startTls: true }), []);
    assert.match(problems({ ...BASE, startTls: true }).join(), /already TLS/);
    assert.match(problems({ ...BASE, url: 'https://dc1.corp.example' }).join(), /ldaps:\/\//);
  });

  it('requires a CA certificate and checks the pinned fingerprint format', () => {
    assert.match(problems({ ...BASE, caPem: 'not a pem' }).join(), /caPem: must be a PEM certificate/);
    const colons = Array.from({ length: 32 }, () => 'AB').join(':');
    assert.deepEqual(problems({ ...BASE, pinnedCertificateSha256: colons }), []);
    assert.deepEqual(problems({ ...BASE, pinnedCertificateSha256: 'ab'.repeat(32) }), []);
    assert.match(problems({ ...BASE, pinnedCertificateSha256: 'abc' }).join(), /SHA-256/);
  });

  it('takes an optional deny group, which must be a DN', () => {
    assert.equal(parseActiveDirectoryConfig(BASE).denyGroupDn, undefined);
    const denyGroupDn = 'CN=No Self-Service,OU=Groups,DC=corp,DC=example';
    assert.equal(parseActiveDirectoryConfig({ ...BASE, denyGroupDn }).denyGroupDn, denyGroupDn);
    assert.match(problems({ ...BASE, denyGroupDn: 'No Self-Service' }).join(), /denyGroupDn: must be the DN/);
  });

  it('never puts the bind password in its messages', () => {
    const found = problems({ ...BASE, url: 'ldap://dc1', bindPassword: 'S3cret!value' });
    assert.ok(found.length > 0);
    assert.ok(!found.join().includes('S3cret!value'));
  });
});
