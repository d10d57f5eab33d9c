import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import { totpAt } from '../../common/secrets/totp';
import { TechnicianAccountsService } from '../../server/services/technician-accounts.service';
import { launchBrowser, screenshot, VIEWPORTS } from '../support/browser';
import { apiClient } from '../support/http';
import { createTenant, startTestStack, type TestStack } from '../support/stack';
import { freePort } from '../../scripts/lib/free-port';

describe('the console in Chromium', () => {
  let stack: TestStack;
  let chromium: Browser;
  before(async () => {
    stack = await startTestStack();
    chromium = await launchBrowser();
  });
  after(async () => {
    await chromium?.close();
    await stack?.stop();
  });

  it('signs in with a password and a TOTP code, and sees the dashboard at laptop and phone sizes', async () => {
    const tenant = await createTenant(stack, 'Northwind IT');
    const api = apiClient(stack.url, tenant.apiKey);
    for (const username of ['ann', 'bob', 'cy'])
      assert.equal(
        (await api('POST', `/clients/${tenant.clientId}/users`, { username, email: `${username}@nw.test` })).status,
        201,
      );
    const accounts = new TechnicianAccountsService({
      technicians: stack.runtime.stores.technicians,
      audit: stack.runtime.stores.audit,
      secrets: stack.runtime.secrets,
    });
    const created = await accounts.create(
      { mspId: tenant.mspId, email: 'dana@northwind.test', displayName: 'Dana Tech', role: 'admin' },
      'test',
    );
    if (created === 'duplicate') throw new Error('duplicate');

    // Each sign-in uses a later TOTP step than the one before, as a code is accepted once.
    let offset = -1;
    for (const [name, viewport] of Object.entries(VIEWPORTS)) {
      const context = await chromium.newContext({ viewport });
      const page = await context.newPage();
      await page.goto(`${stack.url}/console`);
      assert.match(page.url(), /\/console\/sign-in$/);
      await screenshot(page, `console-sign-in-${name}`);
      await page.fill('#email', created.technician.email);
      await page.fill('#password', created.password);
      await page.click('button[type=submit]');
      await page.waitForURL(/\/console\/sign-in\/code$/);
      await screenshot(page, `console-code-${name}`);
      await page.fill('#code', totpAt(created.totpSecret, Date.now() + offset++ * 30_000));
      await page.click('button[type=submit]');
      await page.waitForURL(/\/console$/);
      const row = page.locator(`tr[data-client-id="${tenant.clientId}"]`);
      assert.match(await row.innerText(), /Northwind IT client\s+0 \/ 3\s+0\s+0\s+0\s+0 \/ 0/);
      assert.match(await page.innerText('header'), /Dana Tech · admin/);
      // Nothing spills sideways on a phone.
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      assert.ok(overflow <= 0, `page is ${overflow}px wider than the ${name} viewport`);
      await screenshot(page, `console-dashboard-${name}`);
      await page.click('text=Technicians');
      await page.waitForURL(/\/console\/technicians$/);
      assert.match(await page.innerText('#technicians'), /dana@northwind\.test/);
      await screenshot(page, `console-technicians-${name}`);
      await page.click('text=Sign out');
      await page.waitForURL(/\/console\/sign-in$/);
      await page.goto(`${stack.url}/console`);
      assert.match(page.url(), /\/console\/sign-in$/);
      await context.close();
    }
  });

  it('adds a passkey once signed in, and then signs in with it alone', async () => {
    // WebAuthn binds a passkey to the page's origin: the browser must use the public URL itself.
    const port = await freePort();
    const publicUrl = `http://localhost:${port}`;
    const site = await startTestStack({
      role: 'api',
      env: { LATCHKEY_HTTP_PORT: String(port), LATCHKEY_PUBLIC_URL: publicUrl },
    });
    try {
      const tenant = await createTenant(site, 'Passkey IT');
      const accounts = new TechnicianAccountsService({
        technicians: site.runtime.stores.technicians,
        audit: site.runtime.stores.audit,
        secrets: site.runtime.secrets,
      });
      const created = await accounts.create(
        { mspId: tenant.mspId, email: 'pat@passkey.test', role: 'helpdesk' },
        'test',
      );
      if (created === 'duplicate') throw new Error('duplicate');
      const context = await chromium.newContext({ viewport: VIEWPORTS.laptop });
      const page = await context.newPage();
      const cdp = await context.newCDPSession(page);
      await cdp.send('WebAuthn.enable', { enableUI: false });
      const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
        options: {
          protocol: 'ctap2',
          transport: 'internal',
          hasResidentKey: true,
          hasUserVerification: true,
          isUserVerified: true,
          automaticPresenceSimulation: true,
        },
      });
      await page.goto(`${publicUrl}/console/sign-in`);
      await page.fill('#email', created.technician.email);
      await page.fill('#password', created.password);
      await page.click('button[type=submit]');
      await page.waitForURL(/\/console\/sign-in\/code$/);
      await page.fill('#code', totpAt(created.totpSecret, Date.now()));
      await page.click('button[type=submit]');
      await page.waitForURL(/\/console$/);
      await page.click('text=Passkeys');
      await page.waitForURL(/\/console\/passkeys$/);
      await page.click('button[data-passkey=add]');
      await page.waitForSelector('ul#passkeys li');
      const { credentials } = await cdp.send('WebAuthn.getCredentials', { authenticatorId });
      assert.equal(credentials.length, 1);
      await screenshot(page, 'console-passkeys');
      await page.click('text=Sign out');
      await page.waitForURL(/\/console\/sign-in$/);

      await page.click('button[data-passkey=sign-in]');
      await page.waitForURL(/\/console$/);
      assert.match(await page.innerText('header'), /helpdesk/);
      const audited = await site.runtime
        .db('audit_events')
        .where({ action: 'technician.signed_in', actor: `technician:${created.technician.id}` })
        .select('detail');
      assert.deepEqual(audited.map((row) => (row.detail as { method: string }).method).sort(), [
        'passkey',
        'password_totp',
      ]);
      await context.close();
    } finally {
      await site.stop();
    }
  });
});
