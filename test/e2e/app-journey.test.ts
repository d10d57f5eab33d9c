import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { freePort } from '../../scripts/lib/free-port';
import { launchBrowser, screenshot, VIEWPORTS } from '../support/browser';
import {
  addPlatformAuthenticator,
  deliverPush,
  openPhone,
  shownNotifications,
  tapNotification,
  waitForScreen,
  type Phone,
} from '../support/app-device';
import { codeIn, linkIn } from '../support/enrollment-flow';
import { apiClient } from '../support/http';
import { readQr } from '../support/qr';
import { startTestAgent } from '../support/reset-setup';
import { startSambaDc, type SambaDc } from '../support/samba';
import { createTenant, startTestStack, type TestStack } from '../support/stack';
import { startFakePushService, type FakePushService } from '../fakes/fake-push-service';
import { WebPushProvider } from '../../plugins/push/web-push/web-push.provider';
import webpush from 'web-push';

/**
 * Issue 9 §4, in a real browser on real parts: Chromium (playwright-core), Temporal, PostgreSQL, Samba AD and an
 * agent. A desktop-sized page enrolls, a phone-sized context pairs with a CDP platform authenticator, picks the
 * number, resets, and the password it shows binds to Samba. Every app screen is saved at 390×844 light and dark,
 * and the done page at 1280×800, under .tmp/screenshots.
 */
describe('the Latchkey app, end to end in Chromium', () => {
  let dc: SambaDc;
  let stack: TestStack;
  let browser: Browser;
  let publicUrl: string;
  let tenant: Awaited<ReturnType<typeof createTenant>>;
  let phones = 0;

  before(async () => {
    dc = await startSambaDc();
    // WebAuthn binds a credential to the page's origin, so the public URL must be the very one the browser opens.
    const port = await freePort();
    publicUrl = `http://localhost:${port}`;
    stack = await startTestStack({ env: { LATCHKEY_HTTP_PORT: String(port), LATCHKEY_PUBLIC_URL: publicUrl } });
    tenant = await createTenant(stack, 'Northwind IT Services');
    await startTestAgent(stack, tenant, dc);
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await stack?.stop();
    await dc?.stop();
  });

  /** Saves the page as it is, light and dark, at its viewport size. */
  async function shoot(page: Page, name: string) {
    await page.emulateMedia({ colorScheme: 'light' });
    await screenshot(page, `${name}-light`);
    await page.emulateMedia({ colorScheme: 'dark' });
    await screenshot(page, `${name}-dark`);
    await page.emulateMedia({ colorScheme: 'light' });
  }

  /** A Samba user, created in Latchkey and activated; the activation email's link. */
  async function directoryUser() {
    const n = ++phones;
    const username = `app${Date.now().toString(36)}${n}`;
    const initialPassword = `Initial#${n}x${Date.now().toString(36)}A1`;
    const created = await dc.createUser(username, initialPassword, { mail: `${username}@example.com` });
    const api = apiClient(stack.url, tenant.apiKey);
    const email = `${username}@example.com`;
    const user = await api('POST', `/clients/${tenant.clientId}/users`, {
      username,
      email,
      displayName: `Dana Whitfield ${n}`,
    });
    assert.equal(user.status, 201, JSON.stringify(user.body));
    assert.equal((await api('POST', `/clients/${tenant.clientId}/users/${user.body.id}/activate`)).status, 202);
    const mail = await stack.outbox.waitFor((m) => m.channel === 'email' && m.to === email);
    const phone = `+1415555${String(3100 + n).padStart(4, '0')}`;
    return { username, upn: created.userPrincipalName, userId: user.body.id as string, link: linkIn(mail), phone };
  }

  /** The enrollment pages in a 1280×800 page, up to the app branch's done page. */
  async function enrollForApp(user: Awaited<ReturnType<typeof directoryUser>>, shots = false) {
    const desktop = await browser.newPage({ viewport: VIEWPORTS.laptop, baseURL: publicUrl });
    await desktop.goto(user.link);
    await desktop.getByRole('button', { name: 'Get started' }).click();
    await desktop.fill('#phone', user.phone);
    const seen = new Set(stack.outbox.list().map((m) => m.id));
    const text = stack.outbox.waitFor((m) => m.channel === 'sms' && m.to === user.phone && !seen.has(m.id));
    await desktop.getByRole('button', { name: 'Text me a code' }).click();
    await desktop.fill('#code', codeIn(await text));
    await desktop.getByRole('button', { name: 'Confirm' }).click();
    await desktop.check('input[name=method][value=app]');
    const linkText = stack.outbox.waitFor(
      (m) => m.channel === 'sms' && m.to === user.phone && m.text.includes('/app/pair#t='),
    );
    await desktop.getByRole('button', { name: 'Finish' }).click();
    await desktop.waitForSelector('.qr svg');
    if (shots) await shoot(desktop, 'app-done');
    return { desktop, texted: linkText };
  }

  /** The pairing URL in the done page's QR code, read off a screenshot as a phone's camera would. */
  async function qrUrlOn(desktop: Page) {
    const url = readQr(await desktop.locator('.qr').screenshot());
    assert.ok(url, 'no QR code could be read on the done page');
    assert.ok(url.startsWith(`${publicUrl}/app/pair#t=`), 'the QR code is not a pairing link of this server');
    return url;
  }

  /** Opens the pairing link on a new phone and walks to the protection screen, alerts declined. */
  async function openLinkOnPhone(url: string, shots = false, biometric = true) {
    const phone: Phone = await openPhone(browser, publicUrl);
    // Before the app loads: it asks once whether the phone has a platform authenticator.
    const authenticator = biometric ? await addPlatformAuthenticator(phone) : undefined;
    await phone.page.goto(url);
    await waitForScreen(phone.page, 'install');
    assert.ok(!phone.page.url().includes('#t='), 'the token stayed in the address bar');
    if (shots) await shoot(phone.page, 'app-install');
    await phone.page.getByRole('button', { name: 'Continue in the browser' }).click();
    await waitForScreen(phone.page, 'welcome');
    if (shots) await shoot(phone.page, 'app-welcome');
    await phone.page.getByRole('button', { name: 'Get started' }).click();
    await waitForScreen(phone.page, 'protection').catch(async () => {
      await waitForScreen(phone.page, 'alerts');
      if (shots) await shoot(phone.page, 'app-alerts');
      await phone.page.getByRole('button', { name: 'Not now' }).click();
      await waitForScreen(phone.page, 'protection');
    });
    return Object.assign(phone, { authenticator });
  }

  async function pickNumber(desktop: Page, phone: Phone, shots = false) {
    await waitForScreen(phone.page, 'match');
    const number = ((await phone.page.textContent('.match-number')) ?? '').trim();
    assert.match(number, /^\d{2}$/);
    if (shots) await shoot(phone.page, 'app-match');
    await desktop.waitForSelector('#pairing .match:not([hidden]) button');
    if (shots) await shoot(desktop, 'app-done-match');
    await desktop.getByRole('button', { name: `My phone shows ${number}` }).click();
    await waitForScreen(phone.page, 'home');
    await desktop.waitForSelector('#pairing .finished:not([hidden])');
  }

  async function resetAndRead(phone: Phone, shots = false) {
    await waitForScreen(phone.page, 'countdown');
    if (shots) await shoot(phone.page, 'app-countdown');
    await waitForScreen(phone.page, 'password', 60_000);
    if (shots) await shoot(phone.page, 'app-password');
    return ((await phone.page.textContent('#password')) ?? '').trim();
  }

  it('activation email → enrollment → QR → pairing with a fingerprint → number match → Reset Password → a password that binds to Samba', async () => {
    const user = await directoryUser();
    const { desktop } = await enrollForApp(user, true);
    const url = await qrUrlOn(desktop);
    const phone = await openLinkOnPhone(url, true);
    const authenticator = phone.authenticator!;
    await shoot(phone.page, 'app-protection');
    await phone.page.getByRole('button', { name: 'Use fingerprint or face' }).click();
    await pickNumber(desktop, phone, true);
    assert.equal(await authenticator.credentialCount(), 1);
    await shoot(phone.page, 'app-home');

    await phone.page.getByRole('button', { name: 'Reset Password' }).click();
    const password = await resetAndRead(phone, true);
    assert.ok(password.length >= 12, 'no password on screen');
    await assert.doesNotReject(dc.bind(user.upn, password));
    await phone.page.getByRole('button', { name: 'Done' }).click();
    await waitForScreen(phone.page, 'hidden');
    await shoot(phone.page, 'app-hidden');
    await phone.context.close();
    await desktop.close();
  });
});
