import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { makeEnrollmentWorkflowId } from '../../common/domain/workflow-ids';
import { freePort } from '../../scripts/lib/free-port';
import { startWebUi, type WebUi } from '../../scripts/lib/temporal-web-ui';
import { launchBrowser, screenshot, VIEWPORTS } from '../support/browser';
import { activateNewUser } from '../support/enrollment-flow';
import { testEnv } from '../support/env';
import { createTenant, startTestStack, type TestStack } from '../support/stack';
import { createTechnician, signInInPage } from '../support/technician';

/**
 * docs/temporal-codec.md "With `npm start`", step by step, in the real Web UI (the standalone UI server that
 * `npm start` runs, on this test's Temporal dev server): a technician signs in to the console, follows its
 * Workflows link, opens a workflow, and reads its input decoded, with nothing set in the Web UI by hand.
 */
describe('decoded workflows in the Temporal Web UI, from a console sign-in', () => {
  let stack: TestStack;
  let ui: WebUi;
  let chromium: Browser;
  let configDir: string;
  let publicUrl: string;
  before(async () => {
    const binPath = process.env.TEMPORAL_UI_SERVER_PATH;
    if (!binPath) throw new Error('Run this test with `npm test`, which builds the Temporal Web UI server.');
    // Both on `localhost`, as npm start has them: one site, so the console's SameSite=Lax cookie goes along.
    const [apiPort, uiPort] = [await freePort(), await freePort()];
    publicUrl = `http://localhost:${apiPort}`;
    stack = await startTestStack({
      env: {
        LATCHKEY_HTTP_PORT: String(apiPort),
        LATCHKEY_PUBLIC_URL: publicUrl,
        TEMPORAL_UI_URL: `http://localhost:${uiPort}`,
      },
    });
    configDir = mkdtempSync(join(tmpdir(), 'latchkey-web-ui-'));
    ui = await startWebUi({
      binPath,
      temporalAddress: testEnv().temporalAddress,
      ip: '127.0.0.1',
      port: uiPort,
      namespace: stack.runtime.namespace,
      codecEndpoint: `${publicUrl}/codec`,
      configDir,
    });
    chromium = await launchBrowser();
  });
  after(async () => {
    await chromium?.close();
    await ui?.stop();
    await stack?.stop();
    if (configDir) rmSync(configDir, { recursive: true, force: true });
  });

  /** The Web UI lists what visibility has indexed, a moment after the start: reloads until the workflow shows. */
  const openWorkflowFromList = async (list: Page, workflowId: string) => {
    const link = list.locator(`a:has-text("${workflowId}")`).first();
    for (let attempt = 0; attempt < 20 && !(await link.isVisible()); attempt++) {
      await list.waitForTimeout(500);
      if (!(await link.isVisible())) await list.reload();
    }
    await link.click();
  };

  it('shows a helpdesk technician the workflow input decoded, after only the console sign-in', async () => {
    const tenant = await createTenant(stack, 'Web UI IT');
    const { userId } = await activateNewUser(stack, tenant);
    const workflowId = makeEnrollmentWorkflowId(userId);
    const enrollment = await stack.runtime.db('enrollments').where({ user_id: userId }).first('id');
    assert.ok(enrollment, 'the activation started an enrollment');
    const technician = await createTechnician(stack, tenant.mspId, 'helpdesk', 'Harper Help');

    const context = await chromium.newContext({ viewport: VIEWPORTS.laptop });
    const page = await context.newPage();
    await signInInPage(page, publicUrl, technician);
    for (const [name, viewport] of Object.entries(VIEWPORTS)) {
      await page.setViewportSize(viewport);
      await screenshot(page, `console-workflows-link-${name}`);
    }
    await page.setViewportSize(VIEWPORTS.laptop);
    // Step 1: the console's link to the Web UI, which opens in a tab of its own.
    const [list] = await Promise.all([context.waitForEvent('page'), page.click('#temporal-workflows')]);
    await list.waitForLoadState();
    assert.match(list.url(), new RegExp(`/namespaces/${stack.runtime.namespace}/workflows`));
    // Step 2: the workflow.
    await openWorkflowFromList(list, workflowId);
    await list.waitForURL(new RegExp(`/workflows/${workflowId}/`));
    // Decoded: the input's own fields, as the workflow was started with them.
    await list
      .getByText(enrollment.id as string)
      .first()
      .waitFor({ timeout: 20_000 });
    const shown = await list.innerText('body');
    assert.match(shown, /enrollmentId/);
    assert.match(shown, new RegExp(userId));
    assert.doesNotMatch(shown, /Codec Server could not connect/i);
    await screenshot(list, 'temporal-web-ui-decoded');
    for (const [name, viewport] of Object.entries(VIEWPORTS)) {
      await list.setViewportSize(viewport);
      await screenshot(list, `temporal-web-ui-workflow-${name}`);
    }

    // Audited under the technician's name, with the user and MSP the workflow is about.
    const rows = await stack.runtime
      .db('audit_events')
      .where({ action: 'codec.decoded', actor: `technician:${technician.id}` });
    assert.ok(
      rows.some((row) => row.detail.workflowId === workflowId && row.msp_id === tenant.mspId && row.user_id === userId),
      JSON.stringify(rows.map((row) => row.detail)),
    );
    await context.close();
  });

  it('shows a read-only technician no Workflows link, and their browser no decoded payload', async () => {
    const tenant = await createTenant(stack, 'Web UI Read-only');
    const { userId } = await activateNewUser(stack, tenant);
    const technician = await createTechnician(stack, tenant.mspId, 'read_only', 'Riley Reader');
    const context = await chromium.newContext({ viewport: VIEWPORTS.laptop });
    const page = await context.newPage();
    await signInInPage(page, publicUrl, technician);
    assert.equal(await page.locator('#temporal-workflows').count(), 0);
    // Typed by hand, the Web UI's address shows the workflow, but its payloads stay sealed.
    const enrollment = await stack.runtime.db('enrollments').where({ user_id: userId }).first('id');
    await page.goto(`${ui.url}/namespaces/${stack.runtime.namespace}/workflows`);
    await openWorkflowFromList(page, makeEnrollmentWorkflowId(userId));
    await page.waitForURL(/\/history/);
    await page.waitForTimeout(2_000);
    assert.doesNotMatch(await page.innerText('body'), new RegExp(enrollment.id as string));
    await context.close();
  });
});
