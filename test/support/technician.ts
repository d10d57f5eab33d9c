import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { ApiKeyRole } from '../../common/domain/api-key-roles';
import { totpAt } from '../../common/secrets/totp';
import { TechnicianAccountsService } from '../../server/services/technician-accounts.service';
import { BrowserSession } from './http';
import type { TestStack } from './stack';

export interface TestTechnician {
  id: string;
  email: string;
  displayName: string;
  password: string;
  totpSecret: string;
}

/** A technician of the MSP, created as the CLI creates one (a generated password and a TOTP secret). */
export async function createTechnician(
  stack: TestStack,
  mspId: string,
  role: ApiKeyRole,
  displayName = `Tech ${role}`,
): Promise<TestTechnician> {
  const accounts = new TechnicianAccountsService({
    technicians: stack.runtime.stores.technicians,
    audit: stack.runtime.stores.audit,
    secrets: stack.runtime.secrets,
  });
  const email = `${role}-${randomUUID().slice(0, 8)}@msp.test`;
  const created = await accounts.create({ mspId, email, role, displayName }, 'test');
  if (created === 'duplicate') throw new Error('duplicate technician');
  return { id: created.technician.id, email, displayName, password: created.password, totpSecret: created.totpSecret };
}

/** The current TOTP code; a technician signs in once per test here, so no code is used twice. */
export const currentCode = (technician: TestTechnician) => totpAt(technician.totpSecret, Date.now());

/** Signs in to the console with the password and a code, as a browser posting the forms does. */
export async function signInToConsole(stack: TestStack, technician: TestTechnician): Promise<BrowserSession> {
  const browser = new BrowserSession(stack.url);
  await browser.get('/console/sign-in');
  const first = await browser.post('/console/sign-in', { email: technician.email, password: technician.password });
  assert.equal(first.status, 303, first.html);
  await browser.get('/console/sign-in/code');
  const second = await browser.post('/console/sign-in/code', { code: currentCode(technician) });
  assert.equal(second.status, 303, second.html);
  assert.equal(second.location, '/console');
  return browser;
}

/** Signs in to the console in a real browser page, with the password and a code, and waits for the dashboard. */
export async function signInInPage(page: Page, baseUrl: string, technician: TestTechnician): Promise<void> {
  await page.goto(`${baseUrl}/console/sign-in`);
  await page.fill('#email', technician.email);
  await page.fill('#password', technician.password);
  await page.click('button[type=submit]');
  await page.waitForURL(/\/console\/sign-in\/code$/);
  await page.fill('#code', currentCode(technician));
  await page.click('button[type=submit]');
  await page.waitForURL(/\/console$/);
}

/** A new browser context at `viewport`, signed in to the console as `technician`, on the dashboard. */
export async function openSignedInPage(
  browser: Browser,
  baseUrl: string,
  technician: TestTechnician,
  viewport: { width: number; height: number },
): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ viewport });
  const page = await context.newPage();
  await signInInPage(page, baseUrl, technician);
  return { context, page };
}
