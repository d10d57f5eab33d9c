import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { makeEnrollmentWorkflowId } from '../../common/domain/workflow-ids';
import { HOUR_MS } from '../../common/duration';
import { hashVerificationCode } from '../../common/secrets/verification-code';
import { verifyCodeUpdate } from '../../workflows/enrollment/enrollment.messages';
import { activateNewUser, deactivateUser, reachCodeStep, reactivateUser } from '../support/enrollment-flow';
import { BrowserSession } from '../support/http';
import { outboxInbox, reachMethodStep } from '../support/sms-enrollment';
import { createTenant, startTestStack, type TestStack } from '../support/stack';

/**
 * Issue 8, section 1, on the whole stack: a session cookie and an activation link drive only the one enrollment
 * they were issued for (F4), a deactivation wins over a method choice in flight (F15), and an activation link
 * lives a day by default. Each test tries the bad case and then looks at what it could have changed.
 */
describe('an enrollment is bound to its own run: old links and sessions, deactivation races, link lifetime', () => {
  let stack: TestStack;
  let tenant: Awaited<ReturnType<typeof createTenant>>;

  before(async () => {
    stack = await startTestStack();
    tenant = await createTenant(stack, 'Binding MSP');
  });
  after(async () => {
    await stack?.stop();
  });

  const tokenOf = (link: string) => link.split('/').pop()!;
  const linkRow = (link: string) =>
    stack.database
      .db('activation_links')
      .where({ token_hash: stack.runtime.secrets.hash('link-token-hash', tokenOf(link)) })
      .first();
  const textsTo = (phone: string) => stack.outbox.list().filter((m) => m.channel === 'sms' && m.to === phone).length;
  const latestEnrollment = (userId: string) =>
    stack.database.db('enrollments').where({ user_id: userId }).orderBy('started_at', 'desc').first();

  /** A browser that has loaded some page with a CSRF field, so that it can post a form as a real browser would. */
  async function browserWithCsrf(landing: string) {
    const browser = new BrowserSession(stack.url);
    assert.equal((await browser.get(landing)).status, 200);
    return browser;
  }

  it('refuses an old unused link and an old session cookie after deactivate and re-activate; the new enrollment goes on', async () => {
    const first = await activateNewUser(stack, tenant);
    const unusedLink = first.link;
    await deactivateUser(stack, first);

    // A second enrollment whose link someone opened: their browser holds its session cookie.
    const secondLink = await reactivateUser(stack, first);
    const oldSession = new BrowserSession(stack.url);
    await oldSession.get(secondLink);
    assert.match((await oldSession.submit(secondLink, {})).html, /Your cell number/);
    await deactivateUser(stack, first);

    const thirdLink = await reactivateUser(stack, first);
    const phone = '+14155550123';

    // The old unused link: revoked by the deactivation, and refused even if it had escaped the revocation,
    // because its enrollment has ended.
    for (const attempt of ['revoked', 'unrevoked'] as const) {
      if (attempt === 'unrevoked') {
        await stack.database
          .db('activation_links')
          .where({ token_hash: stack.runtime.secrets.hash('link-token-hash', tokenOf(unusedLink)) })
          .update({ revoked_at: null });
      }
      const landing = await new BrowserSession(stack.url).get(unusedLink);
      assert.equal(landing.status, 410, `${attempt}: ${landing.html}`);
      const opened = await (await browserWithCsrf(thirdLink)).post(unusedLink, {});
      assert.equal(opened.status, 410, `${attempt}: ${opened.html}`);
      assert.equal(opened.location, null, 'no session was started');
      assert.equal((await linkRow(unusedLink))?.consumed_at, null, 'the old link was not spent');
    }

    // The old session cookie: its form posts reach nothing, and its page shows its own ended enrollment.
    const posted = await oldSession.post('/enroll/phone', { phone });
    assert.equal(posted.status, 410, posted.html);
    assert.equal(textsTo(phone), 0, 'no code was texted');
    const seen = await oldSession.get('/enroll');
    assert.equal(seen.status, 410, seen.html);
    assert.match(seen.html, /This enrollment has ended/);
    assert.equal((await latestEnrollment(first.userId))?.status, 'invited', 'the new enrollment was not moved on');

    // The genuine user, with the newest link, enrolls as usual; the old session still sees none of it.
    const { browser, code } = await reachCodeStep(stack, thirdLink, phone);
    assert.match((await oldSession.get('/enroll')).html, /This enrollment has ended/);
    assert.match((await browser.submit('/enroll/code', { code })).html, /How do you want to reset your password/);
    assert.match((await browser.submit('/enroll/method', { method: 'sms' })).html, /You are all set/);
    assert.equal((await stack.runtime.stores.users.getById(first.userId))?.status, 'enrolled_sms');
  });

  it('deactivation revokes every open link and session of the user at once, in the same call', async () => {
    const unopened = await activateNewUser(stack, tenant);
    const started = await activateNewUser(stack, tenant);
    const session = new BrowserSession(stack.url);
    await session.get(started.link);
    assert.match((await session.submit(started.link, {})).html, /Your cell number/);

    for (const user of [unopened, started]) {
      const response = await user.api('POST', `/clients/${tenant.clientId}/users/${user.userId}/deactivate`);
      assert.equal(response.status, 200);
      // Read straight after the API answered: written by the deactivation itself, not by the workflow later.
      const enrollment = await latestEnrollment(user.userId);
      assert.deepEqual([enrollment?.status, enrollment?.ended_at !== null], ['cancelled', true]);
    }
    assert.notEqual((await linkRow(unopened.link))?.revoked_at, null, 'the unused link was revoked');
    assert.equal((await new BrowserSession(stack.url).get(unopened.link)).status, 410);
    const phone = '+14155550124';
    const posted = await session.post('/enroll/phone', { phone });
    assert.equal(posted.status, 410, posted.html);
    assert.equal(textsTo(phone), 0, 'no code was texted');
    for (const user of [unopened, started]) {
      const result = await stack.runtime.temporal.workflow.getHandle(makeEnrollmentWorkflowId(user.userId)).result();
      assert.equal(result.step, 'cancelled');
      assert.equal((await stack.runtime.stores.users.getById(user.userId))?.status, 'deactivated');
    }
  });

  it('activating again straight after a deactivation starts a new enrollment with a new email, not the closing one', async () => {
    const activated = await activateNewUser(stack, tenant);
    const session = new BrowserSession(stack.url);
    await session.get(activated.link);
    assert.match((await session.submit(activated.link, {})).html, /Your cell number/);
    const path = `/clients/${tenant.clientId}/users/${activated.userId}`;
    assert.equal((await activated.api('POST', `${path}/deactivate`)).status, 200);
    // No wait: the cancelled run may still be closing when the new activation arrives.
    const link = await reactivateUser(stack, activated);
    assert.equal((await new BrowserSession(stack.url).get(link)).status, 200);
    assert.equal((await latestEnrollment(activated.userId))?.status, 'invited');
    const posted = await session.post('/enroll/phone', { phone: '+14155550127' });
    assert.equal(posted.status, 410, posted.html);
  });

  it('a deactivation that races the method choice leaves the user deactivated: no phone, no confirmation, no owner notice', async () => {
    const phone = '+14155550125';
    const victim = await reachMethodStep(stack, outboxInbox(stack), { phone, tenant });
    const enrollment = await latestEnrollment(victim.userId);
    const texts = textsTo(phone);
    const emails = stack.outbox.list({ to: victim.email }).length;

    // Hold the enrollment row, so that the completion the method choice starts waits inside its transaction.
    const hold = await stack.database.db.transaction();
    let choosing: ReturnType<BrowserSession['submit']> | undefined;
    let deactivating: ReturnType<typeof victim.api> | undefined;
    try {
      await hold('enrollments').where({ id: enrollment.id }).forUpdate().first();
      choosing = victim.browser.submit('/enroll/method', { method: 'sms' });
      await lockWaiters(1);
      // The cancel signal goes out first, then the deactivation's own transaction queues behind the completion.
      deactivating = victim.api('POST', `/clients/${tenant.clientId}/users/${victim.userId}/deactivate`);
      await lockWaiters(2);
    } finally {
      await hold.commit();
    }
    const [page, deactivated] = await Promise.all([choosing!, deactivating!]);
    assert.equal(deactivated.status, 200, JSON.stringify(deactivated.body));
    assert.doesNotMatch(page.html, /You are all set/);

    const result = await stack.runtime.temporal.workflow.getHandle(makeEnrollmentWorkflowId(victim.userId)).result();
    assert.deepEqual(result, { step: 'cancelled', method: null });
    const user = await stack.runtime.stores.users.getById(victim.userId);
    assert.deepEqual(
      [user?.status, user?.phone_lookup, user?.phone_encrypted, user?.enrollment_method],
      ['deactivated', null, null, null],
    );
    assert.equal(textsTo(phone), texts, 'no confirmation was texted');
    assert.equal(stack.outbox.list({ to: victim.email }).length, emails, 'no owner notice was emailed');
  });

  it('a step the workflow writes after a deactivation landed changes no status: the block is audited, the user stays off', async () => {
    const activated = await activateNewUser(stack, tenant);
    await reachCodeStep(stack, activated.link, '+14155550126');
    const enrollment = await latestEnrollment(activated.userId);
    // The deactivation's write, as the API makes it, before its cancel signal has reached the workflow.
    await stack.runtime.stores.users.deactivate(activated.userId);

    const handle = stack.runtime.temporal.workflow.getHandle(makeEnrollmentWorkflowId(activated.userId));
    const wrong = hashVerificationCode(stack.runtime.secrets, enrollment.id, 'no-such-code');
    let outcome = '';
    while (outcome !== 'blocked') {
      outcome = (await handle.executeUpdate(verifyCodeUpdate, { args: [{ codeHash: wrong }] })).outcome;
    }
    const audited = await stack.database
      .db('audit_events')
      .where({ user_id: activated.userId, action: 'enrollment.blocked' });
    assert.equal(audited.length, 1, 'the block is in the audit log');
    assert.equal((await stack.runtime.stores.users.getById(activated.userId))?.status, 'deactivated');
    assert.equal((await latestEnrollment(activated.userId))?.status, 'cancelled');
    await handle.terminate('the test is over');
  });

  it('an activation link lasts 24 hours by default, and once expired it opens nothing', async () => {
    const activated = await activateNewUser(stack, tenant);
    const row = await linkRow(activated.link);
    const lifetime = new Date(row.expires_at).getTime() - new Date(row.created_at).getTime();
    assert.ok(Math.abs(lifetime - 24 * HOUR_MS) < 60_000, `the link lives ${lifetime / HOUR_MS} hours`);
    assert.equal(stack.config.enrollment.linkTtlMs, 24 * HOUR_MS);

    const other = await activateNewUser(stack, tenant);
    const browser = await browserWithCsrf(other.link);
    await stack.database
      .db('activation_links')
      .where({ token_hash: row.token_hash })
      .update({ expires_at: stack.database.db.raw("now() - interval '1 second'") });
    const landing = await new BrowserSession(stack.url).get(activated.link);
    assert.equal(landing.status, 410);
    assert.match(landing.html, /expired/);
    const opened = await browser.post(activated.link, {});
    assert.equal(opened.status, 410, opened.html);
    assert.equal((await linkRow(activated.link))?.consumed_at, null);
    assert.equal((await stack.runtime.stores.users.getById(activated.userId))?.status, 'invited');
  });

  /** Waits until `count` statements of this test's database wait on a row lock. */
  async function lockWaiters(count: number): Promise<void> {
    const deadline = Date.now() + 15_000;
    for (;;) {
      const { rows } = await stack.database.db.raw(
        "select count(*)::int as waiting from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'",
      );
      if (rows[0].waiting >= count) return;
      assert.ok(Date.now() < deadline, `fewer than ${count} statements ever waited on the held row`);
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }
});
