import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { activateNewUser, reachCodeStep } from '../../../test/support/enrollment-flow';
import { launchBrowser, screenshot, VIEWPORTS } from '../../../test/support/browser';
import { BrowserSession } from '../../../test/support/http';
import { startTestStack, type TestStack } from '../../../test/support/stack';

describe('enrollment pages, end to end', () => {
  let stack: TestStack;
  before(async () => {
    stack = await startTestStack({ env: { SMS_RESEND_INTERVAL: '1s' } });
  });
  after(async () => {
    await stack?.stop();
  });

  it('takes a user from the activation email to "enrolled (SMS)"', async () => {
    const { api, tenant, userId, mail, link } = await activateNewUser(stack);
    assert.match(mail.subject ?? '', /MSP/);
    assert.match(mail.html ?? '', /Set up password reset/);
    const { browser, code, phone } = await reachCodeStep(stack, link);
    const methodPage = await browser.submit('/enroll/code', { code });
    assert.match(methodPage.html, /How do you want to reset your password/);
    const done = await browser.submit('/enroll/method', { method: 'sms' });
    assert.match(done.html, /text <strong>RESET<\/strong>/);
    // Resolves only if the RESET instructions were texted to the enrolled phone.
    await stack.outbox.waitFor((m) => m.channel === 'sms' && m.to === phone && /text RESET/.test(m.text));

    const user = await api('GET', `/clients/${tenant.clientId}/users/${userId}`);
    assert.equal(user.body.status, 'enrolled_sms');
    assert.equal(user.body.enrollmentMethod, 'sms');
    assert.equal(user.body.phoneHint, '••••71');
    const audit = await api('GET', `/audit-events?userId=${userId}&limit=200`);
    const actions = audit.body.items.map((event: { action: string }) => event.action);
    for (const expected of [
      'user.created',
      'user.activated',
      'activation.email_sent',
      'enrollment.link_opened',
      'enrollment.code_sent',
      'enrollment.completed',
    ]) {
      assert.ok(actions.includes(expected), `audit lacks ${expected}: ${actions.join(', ')}`);
    }
    // The user opened the link; Latchkey texted the code.
    const actorOf = (action: string) =>
      audit.body.items.find((event: { action: string }) => event.action === action)?.actor as string | undefined;
    assert.equal(actorOf('enrollment.link_opened'), 'user');
    assert.equal(actorOf('enrollment.code_sent'), 'system');
  });

  it('shows the pairing done page when the user picks the app: a QR code, an on-phone link, the texted link', async () => {
    const { api, tenant, userId, link } = await activateNewUser(stack);
    const { browser, code, phone } = await reachCodeStep(stack, link, '+447911123456');
    await browser.submit('/enroll/code', { code });
    const done = await browser.submit('/enroll/method', { method: 'app' });
    assert.match(done.html, /Set up the Latchkey app/);
    assert.match(done.html, /<svg [^>]*viewBox/, 'the QR code is rendered on the server');
    assert.match(done.html, /href="http:\/\/localhost\/app\/pair#t&#x3D;[A-Za-z0-9_-]{43}">Open the app on this phone/);
    assert.match(done.html, /<script src="\/enroll\/pairing.js"><\/script>/);
    assert.match(done.html, /class="msp">MSP \d+</, 'the MSP name is on the page');
    const texted = await stack.outbox.waitFor(
      (m) => m.channel === 'sms' && m.to === phone && /\/app\/pair#t=[A-Za-z0-9_-]{43}/.test(m.text),
    );
    assert.ok(texted, 'the app link with a pairing token was texted');
    // Not enrolled until a device pairs: the pairing step is the enrollment's.
    const user = await api('GET', `/clients/${tenant.clientId}/users/${userId}`);
    assert.equal(user.body.status, 'enrolling');

    // Each load issues fresh tokens; only this page may run a script, and only from this origin.
    const again = await browser.get('/enroll');
    const tokenOf = (html: string) => /pair#t&#x3D;([A-Za-z0-9_-]{43})/.exec(html)?.[1];
    assert.notEqual(tokenOf(again.html), tokenOf(done.html));
    const page = await fetch(`${stack.url}/enroll/pairing.js`);
    assert.equal(page.status, 200);
    assert.match(page.headers.get('content-type') ?? '', /javascript/);

    // Light and dark, phone and laptop, without the script (as a browser without JS sees it).
    const chromium = await launchBrowser();
    try {
      for (const [name, viewport] of Object.entries(VIEWPORTS)) {
        for (const scheme of ['light', 'dark'] as const) {
          const tab = await chromium.newPage({ viewport, colorScheme: scheme });
          await tab.setContent(again.html.replace(/<script[^>]*><\/script>/, ''));
          await screenshot(tab, `done-pairing-${name}-${scheme}`);
          await tab.close();
        }
      }
    } finally {
      await chromium.close();
    }
  });

  it('refuses a reused link, an unknown link and a malformed one with a clear page', async () => {
    const { link } = await activateNewUser(stack);
    await reachCodeStep(stack, link);
    const again = await new BrowserSession(stack.url).get(link);
    assert.equal(again.status, 410);
    assert.match(again.html, /already been used/);
    const unknown = await new BrowserSession(stack.url).get(`/activate/${'A'.repeat(43)}`);
    assert.equal(unknown.status, 404);
    const malformed = await new BrowserSession(stack.url).get('/activate/%3Cscript%3E');
    assert.equal(malformed.status, 404);
    assert.doesNotMatch(malformed.html, /<script>/);
  });

  it('counts wrong codes and tells the user how many tries are left', async () => {
    const { link } = await activateNewUser(stack);
    const { browser, code } = await reachCodeStep(stack, link);
    const wrong = code === '000000' ? '111111' : '000000';
    const first = await browser.post('/enroll/code', { code: wrong });
    assert.equal(first.status, 422);
    assert.match(first.html, /4 tries left/);
    const malformed = await browser.post('/enroll/code', { code: '12ab' });
    assert.equal(malformed.status, 422);
    assert.match(malformed.html, /Enter the 6 digits/);
    const right = await browser.submit('/enroll/code', { code });
    assert.match(right.html, /How do you want to reset/);
  });

  it('rejects a bad phone number with a page that says why, and sends nothing', async () => {
    const { link } = await activateNewUser(stack);
    const browser = new BrowserSession(stack.url);
    await browser.get(link);
    await browser.submit(link, {});
    const before = stack.outbox.count('sms');
    for (const bad of ['12', 'call me maybe', '+1 202 555 01']) {
      const page = await browser.post('/enroll/phone', { phone: bad });
      assert.equal(page.status, 422, page.html);
      assert.match(page.html, /phone number|digits/);
    }
    assert.equal(stack.outbox.count('sms'), before);
  });

  it('rejects a form without the CSRF field, and one with an oversized body', async () => {
    const { link } = await activateNewUser(stack);
    const browser = new BrowserSession(stack.url);
    await browser.get(link);
    const forged = await browser.post(link, {}, { csrf: null });
    assert.equal(forged.status, 403);
    assert.match(forged.html, /not sent from this site/);
    await browser.get(link);
    const huge = await browser.post(link, { filler: 'x'.repeat(10_000) });
    assert.equal(huge.status, 413);
    // Neither attempt spent the single-use link.
    await browser.get(link);
    const ok = await browser.submit(link, {});
    assert.equal(ok.status, 200);
  });

  it('makes the user wait between code resends', async () => {
    const { link } = await activateNewUser(stack);
    const { browser } = await reachCodeStep(stack, link);
    const tooSoon = await browser.post('/enroll/resend', {});
    assert.equal(tooSoon.status, 429);
    assert.match(tooSoon.html, /wait \d+ seconds?/);
    await new Promise((resolve) => setTimeout(resolve, 1100));
    await browser.get('/enroll');
    const resent = await browser.post('/enroll/resend', {});
    assert.equal(resent.status, 200);
    assert.match(resent.html, /new code is on its way/);
  });

  it('answers a form for another step, or a choice that is not offered, with the current step and the reason', async () => {
    const { link } = await activateNewUser(stack);
    const { browser } = await reachCodeStep(stack, link);
    const early = await browser.post('/enroll/method', { method: 'app' });
    assert.equal(early.status, 409, early.html);
    assert.match(early.html, /Enter the code/);
    assert.match(early.html, /Cannot choose a method now/);
    const { link: second } = await activateNewUser(stack);
    const other = await reachCodeStep(stack, second, '+14155552674');
    await other.browser.submit('/enroll/code', { code: other.code });
    const fax = await other.browser.post('/enroll/method', { method: 'fax' });
    assert.equal(fax.status, 422, fax.html);
    assert.match(fax.html, /Choose one of the two ways/);
  });

  it('asks a browser without a session to use the link again', async () => {
    const page = await new BrowserSession(stack.url).get('/enroll');
    assert.equal(page.status, 401);
    assert.match(page.html, /Open the link in your activation email/);
  });
});
