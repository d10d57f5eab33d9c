import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { freePort } from '../../scripts/lib/free-port';
import { SSO_CALLBACK_PATH } from '../../server/routes/console/sso.routes';
import { launchBrowser, screenshot, VIEWPORTS } from '../support/browser';
import { apiClient } from '../support/http';
import { startTestIdp, type TestIdp } from '../support/oidc-provider';
import { turnOnSso } from '../support/sso';
import { createTenant, startTestStack, type TestStack } from '../support/stack';
import { createTechnician } from '../support/technician';

describe('console single sign-on in Chromium', () => {
  let site: TestStack;
  let idp: TestIdp;
  let chromium: Browser;
  let publicUrl: string;
  let tenant: Awaited<ReturnType<typeof createTenant>>;

  before(async () => {
    // The provider sends the browser back to the public URL: the stack must listen on it.
    const port = await freePort();
    publicUrl = `http://localhost:${port}`;
    site = await startTestStack({
      role: 'api',
      env: { LATCHKEY_HTTP_PORT: String(port), LATCHKEY_PUBLIC_URL: publicUrl },
    });
    idp = await startTestIdp([{ clientId: 'fabrikam-console', redirectUri: `${publicUrl}${SSO_CALLBACK_PATH}` }]);
    tenant = await createTenant(site, 'Fabrikam IT');
    await turnOnSso(site, tenant.mspId, idp, 'fabrikam-console', ['fabrikam.test']);
    const api = apiClient(site.url, tenant.apiKey);
    for (const username of ['ann', 'bob'])
      assert.equal(
        (await api('POST', `/clients/${tenant.clientId}/users`, { username, email: `${username}@fabrikam.test` }))
          .status,
        201,
      );
    chromium = await launchBrowser();
  });
  after(async () => {
    await chromium?.close();
    await idp?.stop();
    await site?.stop();
  });

  const noSidewaysScroll = async (page: Page, name: string) => {
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 0, `page is ${overflow}px wider than the ${name} viewport`);
  };

  it('clicks through single sign-on at the provider to the dashboard, at laptop and phone sizes', async () => {
    const admin = await createTechnician(site, tenant.mspId, 'admin', 'Sam Fabrikam');
    const email = 'sam@fabrikam.test';
    await site.runtime.db('technicians').where({ id: admin.id }).update({ email });
    idp.addAccount({ email, emailVerified: true });

    for (const [name, viewport] of Object.entries(VIEWPORTS)) {
      const context = await chromium.newContext({ viewport });
      const page = await context.newPage();
      await page.goto(`${publicUrl}/console`);
      assert.match(page.url(), /\/console\/sign-in$/);
      await screenshot(page, `console-sso-sign-in-${name}`);
      await page.click('#sso-sign-in');
      await page.waitForURL(/\/console\/sign-in\/sso$/);
      await noSidewaysScroll(page, name);
      await screenshot(page, `console-sso-email-${name}`);
      await page.fill('#sso-email', email);
      await page.click('button[type=submit]');
      // The provider's own login page, on its own origin.
      await page.waitForURL((url) => url.origin === idp.issuer);
      await page.fill('#idp-email', email);
      await page.click('button[type=submit]');
      await page.waitForURL(`${publicUrl}/console`);
      assert.match(await page.innerText('header'), /Sam Fabrikam · admin/);
      assert.match(await page.innerText('body'), /Fabrikam IT client/);
      await noSidewaysScroll(page, name);
      await screenshot(page, `console-sso-dashboard-${name}`);

      await page.goto(`${publicUrl}/console/technicians`);
      await page.click('#sso-settings-link');
      await page.waitForURL(/\/console\/sso$/);
      assert.match(await page.innerText('#sso-settings'), /fabrikam-console/);
      assert.ok(!(await page.content()).includes(idp.client('fabrikam-console').clientSecret));
      await noSidewaysScroll(page, name);
      await screenshot(page, `console-sso-settings-${name}`);
      await page.click('text=Sign out');
      await page.waitForURL(/\/console\/sign-in$/);
      await context.close();
    }
    const methods = await site.runtime
      .db('audit_events')
      .where({ action: 'technician.signed_in', actor: `technician:${admin.id}` })
      .pluck('detail');
    assert.deepEqual(methods, [{ method: 'oidc' }, { method: 'oidc' }]);
  });

  it('shows a clear page to someone the provider knows but the MSP has no technician for', async () => {
    const email = 'newhire@fabrikam.test';
    idp.addAccount({ email, emailVerified: true });
    for (const [name, viewport] of Object.entries(VIEWPORTS)) {
      const context = await chromium.newContext({ viewport });
      const page = await context.newPage();
      await page.goto(`${publicUrl}/console/sign-in/sso`);
      await page.fill('#sso-email', email);
      await page.click('button[type=submit]');
      await page.waitForURL((url) => url.origin === idp.issuer);
      await page.fill('#idp-email', email);
      await page.click('button[type=submit]');
      await page.waitForURL((url) => url.pathname === SSO_CALLBACK_PATH);
      assert.match(await page.innerText('main'), /no active technician account with your email/);
      await noSidewaysScroll(page, name);
      await screenshot(page, `console-sso-refused-${name}`);
      await context.close();
    }
  });
});
