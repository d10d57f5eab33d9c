import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { apiClient } from '../support/http';
import { assertNoSidewaysScroll, launchBrowser, screenshot, VIEWPORTS } from '../support/browser';
import { createTenant, startTestStack, type TestStack } from '../support/stack';
import { createTechnician, openSignedInPage } from '../support/technician';

/** The API keys page and the dashboard in Chromium, as an admin uses them, at a laptop's and a phone's size. */
describe('the console API keys page in Chromium: list, issue once, revoke', () => {
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

  const shotBothSizes = async (page: Page, name: string) => {
    await assertNoSidewaysScroll(page, `${name} at laptop size`);
    await screenshot(page, `console-api-keys-${name}`);
    await page.setViewportSize(VIEWPORTS.phone);
    await assertNoSidewaysScroll(page, `${name} at phone size`);
    await screenshot(page, `console-api-keys-${name}`);
    await page.setViewportSize(VIEWPORTS.laptop);
  };

  it('issues a client key from the form, shows its token once, lists it and revokes it', async () => {
    const tenant = await createTenant(stack, 'Contoso IT');
    const api = apiClient(stack.url, tenant.apiKey);
    await api('POST', '/api-keys', { name: 'Monitoring (read only)', role: 'read_only' });
    await api('POST', '/api-keys', { name: 'Old PSA sync', role: 'helpdesk', clientId: tenant.clientId });
    // One unlock this week, so that the dashboard's new column shows a count.
    const user = await api('POST', `/clients/${tenant.clientId}/users`, { username: 'ann', email: 'ann@contoso.test' });
    await stack.runtime.db('lockouts').insert({
      client_id: tenant.clientId,
      user_id: user.body.id,
      workflow_id: `lockout-${user.body.id}`,
      locked_at: new Date(Date.now() - 3_600_000),
      status: 'unlocked',
      ended_at: new Date(),
    });
    const tech = await createTechnician(stack, tenant.mspId, 'admin', 'Dana Admin');
    const { context, page } = await openSignedInPage(chromium, stack.url, tech, VIEWPORTS.laptop);
    await shotBothSizes(page, 'dashboard');

    await page.click('nav a:has-text("API keys")');
    await page.waitForURL(/\/console\/api-keys$/);
    await page.fill('#key-name', 'PSA integration');
    await page.selectOption('#key-role', 'helpdesk');
    await page.selectOption('#key-client', tenant.clientId);
    await page.fill('#key-expires', new Date(Date.now() + 90 * 86_400_000).toISOString().slice(0, 10));
    await shotBothSizes(page, 'list');
    await page.click('#issue-api-key button[type=submit]');
    await page.waitForSelector('#api-key-token');
    const token = await page.textContent('#api-key-token');
    assert.match(token ?? '', /^lk_/);
    await shotBothSizes(page, 'issued');
    assert.equal((await apiClient(stack.url, token!)('GET', `/clients/${tenant.clientId}/users`)).status, 200);

    await page.click('a:has-text("Back to API keys")');
    const row = page.locator('#api-keys tr', { hasText: 'Old PSA sync' });
    await row.locator('button:has-text("Revoke")').click();
    await page.waitForSelector('#notice');
    assert.match(await row.innerText(), /revoked/);
    assert.doesNotMatch(await page.content(), new RegExp(token!), 'the token is not shown again');
    await shotBothSizes(page, 'revoked');
    await context.close();
  });
});
