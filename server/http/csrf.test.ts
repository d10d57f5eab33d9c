import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import { launchBrowser, screenshot, VIEWPORTS } from '../../test/support/browser';
import { activateNewUser } from '../../test/support/enrollment-flow';
import { BrowserSession } from '../../test/support/http';
import { startTestStack, type TestStack } from '../../test/support/stack';

let phones = 5000;
const nextPhone = () => `+1415555${++phones}`;

describe('CSRF: tokens bound to the session, cross-site posts refused (F18)', () => {
  let stack: TestStack;
  before(async () => {
    stack = await startTestStack();
  });
  after(async () => {
    await stack?.stop();
  });

  /** A browser that opened its activation link and now sees the phone step. */
  async function atPhoneStep(): Promise<BrowserSession> {
    const { link } = await activateNewUser(stack);
    const browser = new BrowserSession(stack.url);
    assert.equal((await browser.get(link)).status, 200);
    const phonePage = await browser.submit(link, {});
    assert.match(phonePage.html, /Your cell number/);
    return browser;
  }

  const textsTo = (phone: string) => stack.outbox.list({ to: phone, channel: 'sms' }).length;

  it("refuses another session's token, even with its seed planted in the victim's browser: no code is texted", async () => {
    const victim = await atPhoneStep();
    const attacker = await atPhoneStep();
    const attackerPhone = nextPhone();
    const attackerToken = attacker.csrf();

    const withOwnSeed = await victim.post('/enroll/phone', { phone: attackerPhone }, { csrf: attackerToken });
    assert.equal(withOwnSeed.status, 403);
    // Cookie tossing from a sibling subdomain: the attacker's seed and the token it came with, in the victim's jar.
    victim.setCookie('lk_csrf', attacker.cookie('lk_csrf')!);
    const tossed = await victim.post('/enroll/phone', { phone: attackerPhone }, { csrf: attackerToken });
    assert.equal(tossed.status, 403);
    assert.match(tossed.html, /This form has expired or was not sent from this site/);
    assert.equal(textsTo(attackerPhone), 0);
    const still = await victim.get('/enroll');
    assert.match(still.html, /Your cell number/, 'the victim is still at the phone step');

    // The victim's own page, under whichever seed the jar holds, issues a token for the victim's session.
    const ownPhone = nextPhone();
    const own = await victim.submit('/enroll/phone', { phone: ownPhone });
    assert.match(own.html, /Enter the code/);
    await stack.outbox.waitFor((m) => m.to === ownPhone);
  });

  it("refuses a form posted from another site or a sibling, though it carries the victim's cookies and token", async () => {
    const victim = await atPhoneStep();
    const phone = nextPhone();
    await victim.get('/enroll');
    const token = victim.csrf();
    const foreign: Record<string, string>[] = [
      { 'sec-fetch-site': 'cross-site' },
      { 'sec-fetch-site': 'same-site' },
      { 'sec-fetch-site': 'same-site', origin: 'null' },
      { origin: 'https://evil.example' },
      { origin: 'http://localhost.evil.example' },
    ];
    for (const headers of foreign) {
      const posted = await victim.post('/enroll/phone', { phone }, { csrf: token, headers });
      assert.equal(posted.status, 403, JSON.stringify(headers));
      assert.match(posted.html, /sent from another site/);
    }
    assert.equal(textsTo(phone), 0);

    // What our own pages send: same-origin, and Origin: null under Referrer-Policy: no-referrer.
    const own = await victim.post(
      '/enroll/phone',
      { phone },
      { csrf: token, headers: { 'sec-fetch-site': 'same-origin', origin: 'null' } },
    );
    assert.equal(own.status, 303);
    await stack.outbox.waitFor((m) => m.to === phone);
  });

  it('refuses a cross-site post to the landing page and the outbox form: the link stays unused, nothing is texted', async () => {
    const { link } = await activateNewUser(stack);
    const browser = new BrowserSession(stack.url);
    await browser.get(link);
    const opened = await browser.post(link, {}, { headers: { 'sec-fetch-site': 'cross-site' } });
    assert.equal(opened.status, 403);
    assert.equal((await browser.get(link)).status, 200, 'the link still opens');

    const before = stack.outbox.count();
    await browser.get('/outbox/inbound');
    const inbound = await browser.post(
      '/outbox/inbound',
      { from: nextPhone(), body: 'HELP' },
      { headers: { 'sec-fetch-site': 'same-site' } },
    );
    assert.equal(inbound.status, 403);
    assert.equal(stack.outbox.count(), before);
  });

  describe('in Chromium', () => {
    let browser: Browser;
    let attackerSite: Server;
    let attackerPage = '';
    before(async () => {
      browser = await launchBrowser();
      // A page on another port of the same host: the same site as the stack, so SameSite lets every cookie through.
      attackerSite = createServer((_request, response) => {
        response.setHeader('content-type', 'text/html');
        response.end(attackerPage);
      });
      await new Promise<void>((resolve) => attackerSite.listen(0, '127.0.0.1', resolve));
    });
    after(async () => {
      await browser?.close();
      // A before hook that failed leaves no server; waiting on one that never closes would hang the whole run.
      if (attackerSite) await new Promise((resolve) => attackerSite.close(resolve));
    });

    it("refuses the victim's own form posted by a same-site page, and accepts it from the victim's page", async () => {
      const { link } = await activateNewUser(stack);
      const context = await browser.newContext({ viewport: VIEWPORTS.phone });
      const page = await context.newPage();
      await page.goto(`${stack.url}${link}`);
      await Promise.all([page.waitForURL(`${stack.url}/enroll`), page.click('button[type=submit]')]);
      const token = await page.inputValue('input[name="_csrf"]');
      const phone = nextPhone();

      // Even holding the victim's real token (a leak the attacker should never have), the page is refused.
      attackerPage = `<!doctype html><form method="post" action="${stack.url}/enroll/phone">
        <input name="_csrf" value="${token}"><input name="phone" value="${phone}"></form>
        <script>document.forms[0].submit()</script>`;
      const refused = page.waitForResponse((response) => response.url() === `${stack.url}/enroll/phone`);
      await page.goto(`http://127.0.0.1:${(attackerSite.address() as AddressInfo).port}/`);
      assert.equal((await refused).status(), 403);
      await page.waitForLoadState();
      assert.match((await page.textContent('body')) ?? '', /sent from another site/);
      await screenshot(page, 'csrf-cross-site-refused');
      await page.setViewportSize(VIEWPORTS.laptop);
      await screenshot(page, 'csrf-cross-site-refused');
      assert.equal(textsTo(phone), 0);

      await page.goto(`${stack.url}/enroll`);
      await page.fill('input[name="phone"]', phone);
      const posted = page.waitForResponse((response) => response.url() === `${stack.url}/enroll/phone`);
      await page.click('button[type=submit]');
      assert.equal((await posted).status(), 303);
      await page.waitForURL(`${stack.url}/enroll`);
      await page.waitForLoadState();
      assert.match((await page.textContent('body')) ?? '', /Enter the code/);
      await context.close();
    });
  });
});
