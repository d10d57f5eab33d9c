import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { join } from 'node:path';
import {
  assertNoSidewaysScroll as noSidewaysScroll,
  launchBrowser,
  screenshot,
  SCREENSHOTS,
  VIEWPORTS,
} from '../support/browser';
import { createTenant, startTestStack, type TestStack } from '../support/stack';
import { createTechnician, signInInPage } from '../support/technician';

const GOOD_CSV = [
  'username,email,displayName',
  'ann,ann@northwind.test,Ann Archer',
  'bob,bob@northwind.test,Bob Baker',
  'cy,cy@northwind.test,Cy Cole',
  'dee,dee@northwind.test,',
].join('\n');
const BAD_CSV = [
  'username,email,displayName',
  'ann,ann@northwind.test,Ann',
  'b:b,bob@northwind.test,',
  'cy,not-mail,Cy',
].join('\n');

describe("the console's client page in Chromium", () => {
  let stack: TestStack;
  let chromium: Browser;
  let tenant: Awaited<ReturnType<typeof createTenant>>;
  /** The read-only technician's session, signed in once and carried to the phone-sized context. */
  let cookies: Awaited<ReturnType<Awaited<ReturnType<Browser['newContext']>>['cookies']>> = [];
  before(async () => {
    stack = await startTestStack();
    chromium = await launchBrowser();
    tenant = await createTenant(stack, 'Northwind IT');
    // Two agents, so the list shows both healths and the outdated flag.
    const db = stack.runtime.db;
    await db('agents').insert([
      {
        client_id: tenant.clientId,
        name: 'dc01',
        token_id: 'tok-dc01',
        token_hash: 'x',
        version: '0.0.1',
        hostname: 'dc01.northwind.local',
        last_seen_at: new Date(),
      },
      {
        client_id: tenant.clientId,
        name: 'dc02',
        token_id: 'tok-dc02',
        token_hash: 'x',
        version: null,
        hostname: null,
        last_seen_at: null,
      },
    ]);
  });
  after(async () => {
    await chromium?.close();
    await stack?.stop();
  });

  /** One section of the page on its own, to be looked at closely: a full phone page is too long to read at once. */
  const section = (page: Page, id: string, name: string) =>
    page.locator(`#${id}`).screenshot({ path: join(SCREENSHOTS, `${name}-${page.viewportSize()!.width}.png`) });

  it('imports a CSV (first with errors), filters, and activates a selection, at laptop and phone sizes', async () => {
    // The laptop first: it imports the users, whom the phone then shows too.
    for (const size of ['laptop', 'phone'] as const) {
      const viewport = VIEWPORTS[size];
      const technician = await createTechnician(stack, tenant.mspId, 'admin', `Dana ${size}`);
      const context = await chromium.newContext({ viewport });
      const page = await context.newPage();
      await signInInPage(page, stack.url, technician);
      await page.click(`tr[data-client-id="${tenant.clientId}"] a`);
      await page.waitForURL(new RegExp(`/console/clients/${tenant.clientId}$`));

      // A file with mistakes: every one is listed by row and column, and nobody is imported.
      await page.setInputFiles('#csv-file', { name: 'users.csv', mimeType: 'text/csv', buffer: Buffer.from(BAD_CSV) });
      await page.click('#import button[type=submit]');
      await page.waitForSelector('#import-errors');
      const errors = await page.innerText('#import-errors');
      assert.match(errors, /Row 3[\s\S]*username[\s\S]*Active Directory/);
      assert.match(errors, /Row 4[\s\S]*email[\s\S]*must be an email address/);
      await noSidewaysScroll(page, 'the import errors');
      await screenshot(page, `console-client-import-errors-${size}`);
      await section(page, 'import', 'console-client-section-import-errors');

      if (size === 'laptop') {
        await page.setInputFiles('#csv-file', {
          name: 'users.csv',
          mimeType: 'text/csv',
          buffer: Buffer.from(GOOD_CSV),
        });
        await page.click('#import button[type=submit]');
        await page.waitForSelector('text=Imported 4 user(s)');
        assert.equal(await page.locator('#users-table tbody tr').count(), 4);

        // Filter to two of them by search, select both, and activate them in one go.
        await page.fill('#q', 'b');
        await page.click('#users form[role=search] button');
        await page.waitForURL(/q=b/);
        const names = await page.locator('#users-table tbody tr td:nth-child(2)').allInnerTexts();
        assert.deepEqual(names.sort(), ['Bob Baker']);
        await page.fill('#q', '');
        await page.selectOption('#status', 'inactive');
        await page.click('#users form[role=search] button');
        await page.waitForURL(/status=inactive/);
        assert.equal(await page.locator('#users-table tbody tr').count(), 4);
        await page.check('input[aria-label="Select ann"]');
        await page.check('input[aria-label="Select cy"]');
        await page.selectOption('#bulk-action', 'activate');
        await page.click('#bulk button[type=submit]');
        await page.waitForSelector('#outcomes');
        const outcomes = await page.innerText('#outcomes');
        assert.match(outcomes, /Ann Archer \(ann\)\s+Activation email sent/);
        assert.match(outcomes, /Cy Cole \(cy\)\s+Activation email sent/);
        await screenshot(page, `console-client-activated-${size}`);
        await page.click('text=Back to Northwind IT client');
        await page.selectOption('#status', 'invited');
        await page.click('#users form[role=search] button');
        await page.waitForURL(/status=invited/);
        const invited = await page.locator('#users-table tbody tr td:nth-child(3)').allInnerTexts();
        assert.deepEqual(invited.map((text) => text.replace(/^Username\s*/, '')).sort(), ['ann', 'cy']);
        const audited = await stack.runtime
          .db('audit_events')
          .where({ action: 'user.activated', actor: `technician:${technician.id}` });
        assert.equal(audited.length, 2);
        await page.goto(`${stack.url}/console/clients/${tenant.clientId}`);
      }
      await noSidewaysScroll(page, 'the client page');
      await screenshot(page, `console-client-${size}`);
      for (const id of ['users', 'policy', 'agents']) await section(page, id, `console-client-section-${id}`);

      // An agent credential, shown once with its install steps.
      await page.fill('#agent-name', `dc-${size}`);
      await page.click('#agents form.issue button');
      await page.waitForSelector('#agent-token');
      assert.match(await page.innerText('#agent-token'), /^lka_/);
      assert.match(await page.innerText('#agent-config'), /"LATCHKEY_AGENT_TOKEN": "lka_/);
      await noSidewaysScroll(page, 'the credential page');
      await screenshot(page, `console-client-agent-credential-${size}`);
      await context.close();
    }
  });

  it('shows a read-only technician the users, policy and agents without a single button to act', async () => {
    const technician = await createTechnician(stack, tenant.mspId, 'read_only', 'Rhea Reader');
    for (const size of ['laptop', 'phone'] as const) {
      const context = await chromium.newContext({ viewport: VIEWPORTS[size] });
      const page = await context.newPage();
      if (size === 'laptop') {
        await signInInPage(page, stack.url, technician);
        cookies = await context.cookies();
      } else await context.addCookies(cookies);
      await page.goto(`${stack.url}/console/clients/${tenant.clientId}`);
      assert.equal(await page.locator('#users-table tbody tr').count(), 4);
      assert.equal(await page.locator('main button:not(.secondary)').count(), 1, 'only the filter button');
      assert.equal(await page.locator('input[type=checkbox], #import, #bulk, #policy form, #agents form').count(), 0);
      assert.match(await page.innerText('#policy'), /Only an admin may change the policy/);
      await noSidewaysScroll(page, 'the read-only client page');
      await screenshot(page, `console-client-read-only-${size}`);
      await context.close();
    }
  });
});
