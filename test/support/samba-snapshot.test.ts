import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Attribute, Change, Client } from 'ldapts';
import { startSambaDc, type SambaDc } from './samba';

/**
 * The benches' cached domains: a DC saved with saveSnapshot and started again with restoreFrom, in a new directory
 * on another address, must answer as the original did, lockouts and the service account's rights included.
 */
describe('Samba DC snapshot and restore', { timeout: 120_000 }, () => {
  let original: SambaDc | undefined;
  let restored: SambaDc | undefined;
  let workDir: string;
  let saved: { dn: string; userPrincipalName: string };
  const password = 'Snap!Shot-Test-12345';

  before(async () => {
    workDir = await mkdtemp(join(tmpdir(), 'latchkey-snapshot-test-'));
    original = await startSambaDc();
    saved = await original.createUser('snapuser', password);
    await original.saveSnapshot(join(workDir, 'domain.tar'));
    const originalUrl = original.url;
    await original.stop();
    original = undefined;
    restored = await startSambaDc({
      restoreFrom: join(workDir, 'domain.tar'),
      ips: Array.from({ length: 16 }, (_, i) => `127.0.0.${i + 2}`).filter((ip) => !originalUrl.endsWith(ip)),
    });
    assert.notEqual(restored.url, originalUrl);
  });

  after(async () => {
    await original?.stop();
    await restored?.stop();
    await rm(workDir, { recursive: true, force: true });
  });

  it('keeps the saved user, who is locked by real wrong binds and unlocked by the service account', async () => {
    const dc = restored!;
    await dc.setLockoutPolicy({ threshold: 3, durationMinutes: 1 });
    for (let attempt = 0; attempt < 3; attempt++) {
      await assert.rejects(dc.bind(saved.userPrincipalName, `Wrong-${attempt}`));
    }
    await assert.rejects(dc.bind(saved.userPrincipalName, password), /data 775/);

    const service = new Client({ url: dc.url, tlsOptions: { ca: [dc.caPem], servername: dc.serverName } });
    try {
      await service.bind(dc.serviceAccount.dn, dc.serviceAccount.password);
      const { searchEntries } = await service.search(dc.baseDn, {
        scope: 'sub',
        filter: '(&(objectCategory=person)(objectClass=user)(lockoutTime>=1))',
        attributes: ['sAMAccountName', 'msDS-User-Account-Control-Computed'],
      });
      const found = searchEntries.find((entry) => entry.sAMAccountName === 'snapuser');
      assert.ok(found, 'the locked user is found by (lockoutTime>=1)');
      assert.equal(Number(found['msDS-User-Account-Control-Computed']) & 0x10, 0x10);

      const unlock = [
        new Change({ operation: 'replace', modification: new Attribute({ type: 'lockoutTime', values: ['0'] }) }),
      ];
      await service.modify(saved.dn, unlock);
      // The delegated rights came along: on a user outside the delegated OU the same write is refused.
      await assert.rejects(service.modify(dc.adminDn, unlock), /INSUFFICIENT_ACCESS|Insufficient/i);
    } finally {
      await service.unbind().catch(() => undefined);
    }
    await dc.bind(saved.userPrincipalName, password);
  });
});
