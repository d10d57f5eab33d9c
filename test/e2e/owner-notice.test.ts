import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { OutboxMessage } from '../../plugins/dev-outbox/outbox';
import { launchBrowser, screenshot, VIEWPORTS } from '../support/browser';
import { codeIn, deactivateUser, reactivateUser } from '../support/enrollment-flow';
import { pairFromDonePage } from '../support/device';
import { BrowserSession } from '../support/http';
import { dumpDatabase } from '../support/secret-search';
import { enrollForSms, outboxInbox } from '../support/sms-enrollment';
import { createTenant, startTestStack, type TestStack } from '../support/stack';

const ALERTS = 'noc@msp.example.com';

/**
 * Issue 8, section 1 (F5), on the whole stack: the account's owner is emailed whenever a phone is set up for
 * password reset, and the email's "This wasn't me" link turns the enrollment off. Its GET only asks, so that a
 * mail scanner following the link disowns nothing; its POST acts once; an old or expired link does nothing.
 */
describe('the owner\'s enrollment notice and its "This wasn\'t me" link', () => {
  let stack: TestStack;
  let tenant: Awaited<ReturnType<typeof createTenant>>;

  before(async () => {
    stack = await startTestStack({ env: { LATCHKEY_ALERT_EMAIL: ALERTS } });
    tenant = await createTenant(stack, 'Notice MSP');
  });
  after(async () => {
    await stack?.stop();
  });

  const notice = (email: string, after: Set<string> = new Set()) =>
    stack.outbox.waitFor(
      (m) => m.channel === 'email' && m.to === email && /phone was set up/.test(m.subject ?? '') && !after.has(m.id),
    );
  const disownLinkIn = (mail: OutboxMessage) => {
    const match = /https?:\/\/[^\s"<]+(\/disown\/[A-Za-z0-9_-]{43})/.exec(mail.text);
    assert.ok(match, `no disown link in a ${mail.text.length}-character email`);
    return match[1]!;
  };
  const userOf = (userId: string) => stack.runtime.stores.users.getById(userId);
  const actionsOf = (userId: string) =>
    stack.database.db('audit_events').where({ user_id: userId }).orderBy('id').pluck('action');

  async function enrolled(phone: string) {
    const user = await enrollForSms(stack, outboxInbox(stack), { phone, tenant });
    return { ...user, notice: await notice(user.email) };
  }

  /** A browser that has loaded `path` (a page with a CSRF field), ready to post its form. */
  async function onPage(path: string) {
    const browser = new BrowserSession(stack.url);
    const page = await browser.get(path);
    return { browser, page };
  }

  it('emails the owner "a phone ending in NN was set up" at every enrollment, and again when the phone changes', async () => {
    const user = await enrolled('+14155550171');
    assert.match(user.notice.text, /A phone ending in 71 was set up for password reset/);
    assert.match(user.notice.text, /texting RESET/);
    const firstLink = disownLinkIn(user.notice);
    assert.ok((await actionsOf(user.userId)).includes('enrollment.owner_notified'));

    // Start over with another phone and the app: the owner hears of the change too.
    await deactivateUser(stack, user);
    const link = await reactivateUser(stack, user);
    const seen = new Set(stack.outbox.list().map((m) => m.id));
    const browser = new BrowserSession(stack.url);
    await browser.get(link);
    await browser.submit(link, {});
    const phone = '+14155550199';
    const code = stack.outbox.waitFor((m) => m.channel === 'sms' && m.to === phone && !seen.has(m.id));
    await browser.submit('/enroll/phone', { phone });
    await browser.submit('/enroll/code', { code: codeIn(await code) });
    // The app branch ends only once a phone pairs; the owner's notice goes out then, naming the device.
    const done = (await browser.submit('/enroll/method', { method: 'app' })).html;
    await pairFromDonePage(stack.url, done);
    const changed = await notice(user.email, seen);
    assert.match(changed.text, /A phone ending in 99 was set up/);
    assert.match(changed.text, /Latchkey app/);

    // The first email's link belongs to the first enrollment: it cannot turn off the one that replaced it.
    const { page } = await onPage(firstLink);
    assert.equal(page.status, 410, page.html);
    assert.match(page.html, /changed since that email/);
    const { browser: owner } = await onPage(disownLinkIn(changed));
    const refused = await owner.post(firstLink, {});
    assert.equal(refused.status, 410, refused.html);
    assert.equal((await userOf(user.userId))?.status, 'enrolled_app');

    // Only the keyed hash is stored, and the token is in no log line, though its page was opened.
    const token = firstLink.split('/').pop()!;
    assert.ok(!(await dumpDatabase(stack.database.db)).includes(token), 'the disown token is in the database');
    assert.ok(!stack.logs.join('').includes(token), 'the disown token is in the logs');
  });

  it('shows a confirm page that changes nothing, however often it is opened; the POST turns the enrollment off, audits it and alerts the MSP, once', async () => {
    const user = await enrolled('+14155550143');
    const link = disownLinkIn(user.notice);
    const alertsBefore = stack.outbox.list({ to: ALERTS }).length;

    // A mail scanner, then the owner: GETs only.
    for (let i = 0; i < 3; i++) {
      const { page } = await onPage(link);
      assert.equal(page.status, 200, page.html);
      assert.match(page.html, /Was this you\?/);
      assert.match(page.html, /ending in <strong>43<\/strong>/);
    }
    assert.equal((await userOf(user.userId))?.status, 'enrolled_sms');

    // A form posted without its CSRF field (from another site) does nothing either.
    const forged = await new BrowserSession(stack.url).post(link, {}, { csrf: null });
    assert.equal(forged.status, 403, forged.html);
    assert.equal((await userOf(user.userId))?.status, 'enrolled_sms');

    const { browser } = await onPage(link);
    const csrf = browser.csrf();
    const done = await browser.post(link, {}, { csrf });
    assert.equal(done.status, 200, done.html);
    assert.match(done.html, /Password reset by phone is off/);
    const off = await userOf(user.userId);
    assert.deepEqual([off?.status, off?.phone_lookup, off?.phone_encrypted], ['deactivated', null, null]);
    const actions = await actionsOf(user.userId);
    assert.deepEqual(actions.slice(-2), ['enrollment.disowned', 'msp.alerted']);
    const alert = await stack.outbox.waitFor(
      (m) => m.to === ALERTS && stack.outbox.list({ to: ALERTS }).length > alertsBefore,
    );
    assert.match(alert.text, /did not set up password reset by phone/);

    // Single use: the second press, and the page itself, say so and write nothing.
    const again = await browser.post(link, {}, { csrf });
    assert.equal(again.status, 410, again.html);
    assert.match(again.html, /already been used/);
    assert.deepEqual(await actionsOf(user.userId), actions);
  });

  it('an expired link, an unknown one and a malformed one turn nothing off', async () => {
    const user = await enrolled('+14155550155');
    const link = disownLinkIn(user.notice);
    const { browser } = await onPage(link);
    await stack.database
      .db('disown_links')
      .where({ token_hash: stack.runtime.secrets.hash('disown-token-hash', link.split('/').pop()!) })
      .update({ expires_at: stack.database.db.raw("now() - interval '1 second'") });
    const pressed = await browser.post(link, {});
    assert.equal(pressed.status, 410, pressed.html);
    assert.match(pressed.html, /expired/);
    assert.equal((await onPage(link)).page.status, 410);
    for (const path of [`/disown/${randomBytes(32).toString('base64url')}`, '/disown/not-a-token']) {
      assert.equal((await onPage(path)).page.status, 404, path);
    }
    assert.equal((await userOf(user.userId))?.status, 'enrolled_sms');
    assert.equal((await actionsOf(user.userId)).includes('enrollment.disowned'), false);
  });

  it('renders the confirm page and the result page at phone and laptop sizes', async () => {
    const browser = await launchBrowser();
    try {
      for (const [name, viewport] of Object.entries(VIEWPORTS)) {
        const user = await enrolled(`+1415555018${name === 'phone' ? 1 : 2}`);
        const page = await browser.newPage({ viewport });
        await page.goto(`${stack.url}${disownLinkIn(user.notice)}`);
        const fits = () => page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth);
        assert.equal(await fits(), true, `the confirm page scrolls sideways at ${name} size`);
        await screenshot(page, 'disown-confirm');
        await page.click('button[type=submit]');
        await page.waitForSelector('text=Password reset by phone is off');
        assert.equal(await fits(), true, `the result page scrolls sideways at ${name} size`);
        await screenshot(page, 'disown-done');
        await page.close();
      }
    } finally {
      await browser.close();
    }
  });
});
