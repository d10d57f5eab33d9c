import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { WorkflowNotFoundError } from '@temporalio/client';
import type { AuditAction } from '../../../common/domain/audit-actions';
import { makePasswordResetWorkflowId } from '../../../common/domain/workflow-ids';
import { startFakeTwilio, type FakeTwilio, type InboundSms } from '../../../test/fakes/fake-twilio';
import { activateNewUser } from '../../../test/support/enrollment-flow';
import { launchBrowser, screenshot, VIEWPORTS } from '../../../test/support/browser';
import { apiClient, BrowserSession } from '../../../test/support/http';
import { enrollForSms, reachMethodStep, twilioInbox, type SmsInbox } from '../../../test/support/sms-enrollment';
import { startTestStack, type TestStack } from '../../../test/support/stack';
import { createTenantWithLiveAgent, liveAgentHeartbeat, type Tenant } from '../../../test/support/reset-setup';

const AUTH_TOKEN = 'sms-guards-webhook-token';
const ALERTS = 'noc@msp.example.com';
const NEUTRAL =
  'If this number is enrolled for password reset, a new password will arrive in a moment. Text HELP for help.';
const twiml = (message: string) =>
  `<?xml version="1.0" encoding="UTF-8"?><Response><Message>${message}</Message></Response>`;
const EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response/>';

/** Screenshots a page as served, at phone and laptop sizes, for a person to look at (test/support/browser.ts). */
async function lookAt(html: string, name: string): Promise<void> {
  const browser = await launchBrowser();
  try {
    for (const viewport of Object.values(VIEWPORTS)) {
      const page = await browser.newPage({ viewport });
      await page.setContent(html);
      await screenshot(page, name);
      await page.close();
    }
  } finally {
    await browser.close();
  }
}

/**
 * What keeps SMS RESET from being single-factor, replayable or a toll-fraud pump (issue 8 §2), each tried against
 * the running stack: the webhook as Twilio's fake signs it, real PostgreSQL and Temporal, mail in the outbox.
 */

describe('SMS RESET guards', () => {
  let twilio: FakeTwilio;
  let stack: TestStack;
  let inbox: SmsInbox;
  let phones = 2700;
  const nextPhone = () => `+1415555${++phones}`;
  const webhookPath = '/webhooks/twilio/sms';

  const text = (from: string, body: string, extra: Partial<InboundSms> = {}) =>
    twilio.sendInboundSms({
      url: `${stack.config.publicUrl}${webhookPath}`,
      postTo: `${stack.url}${webhookPath}`,
      from,
      to: stack.config.sms.serviceNumber,
      body,
      ...extra,
    });
  const withSid = (sid: string) => ({ params: { MessageSid: sid, SmsSid: sid, SmsMessageSid: sid } });

  async function resetStarted(clientId: string, userId: string): Promise<boolean> {
    try {
      await stack.runtime.temporal.workflow.getHandle(makePasswordResetWorkflowId(clientId, userId)).describe();
      return true;
    } catch (error) {
      if (error instanceof WorkflowNotFoundError) return false;
      throw error;
    }
  }
  const auditOf = async (tenant: Tenant, userId: string | undefined, action: AuditAction) =>
    (await stack.runtime.stores.audit.list({ mspId: tenant.mspId, clientId: null }, { userId, action }, { limit: 50 }))
      .items;
  const rejections = async (tenant: Tenant, userId: string) =>
    (await auditOf(tenant, userId, 'sms.reset_rejected')).map((event) => event.detail.reason);

  before(async () => {
    twilio = await startFakeTwilio({ accountSid: 'AC00000000000000000000000000000007', authToken: AUTH_TOKEN });
    stack = await startTestStack({
      env: {
        SMS_PROVIDER: 'twilio',
        TWILIO_ACCOUNT_SID: twilio.accountSid,
        TWILIO_AUTH_TOKEN: AUTH_TOKEN,
        TWILIO_API_BASE_URL: twilio.baseUrl,
        SMS_DAILY_LIMIT_PER_USER: '50',
        SMS_ALLOWED_COUNTRIES: 'US,CA',
        LATCHKEY_ALERT_EMAIL: ALERTS,
      },
    });
    inbox = twilioInbox(twilio);
  });

  after(async () => {
    await stack?.stop();
    await twilio?.close();
  });

  describe('a PIN by default', () => {
    it("asks a new client's users for a PIN at the SMS step, and refuses RESET without it", async () => {
      // Created through the API with no settings: what an MSP gets today.
      const msp = await createTenantWithLiveAgent(stack, 'Default PIN MSP');
      const created = await apiClient(stack.url, msp.apiKey)('POST', '/clients', { name: 'Brand new client' });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      const fresh: Tenant = { ...msp, clientId: created.body.id };
      await liveAgentHeartbeat(stack, fresh);

      const phone = nextPhone();
      const { methodPage, browser, userId } = await reachMethodStep(stack, inbox, { phone, tenant: fresh });
      assert.match(methodPage.html, /name="pin"/);
      const without = await browser.post('/enroll/method', { method: 'sms' });
      assert.equal(without.status, 422);
      assert.match(without.html, /PIN of 4 to 8 digits/);
      assert.match(
        (await browser.submit('/enroll/method', { method: 'sms', pin: '48210937', pinConfirm: '48210937' })).html,
        /You are all set/,
      );

      assert.equal((await text(phone, 'RESET')).body, twiml(NEUTRAL));
      assert.equal(await resetStarted(fresh.clientId, userId), false);
      assert.deepEqual(await rejections(fresh, userId), ['missing_pin']);
      assert.equal((await text(phone, 'RESET 48210937')).body, twiml(NEUTRAL));
      assert.equal(await resetStarted(fresh.clientId, userId), true);
    });

    it('lets a client turn the PIN off through its policy', async () => {
      const tenant = await createTenantWithLiveAgent(stack, 'PIN off MSP', {});
      const patched = await apiClient(stack.url, tenant.apiKey)('PATCH', `/clients/${tenant.clientId}`, {
        settings: { requireSmsPin: false },
      });
      assert.equal(patched.status, 200, JSON.stringify(patched.body));
      const phone = nextPhone();
      const { methodPage, userId } = await enrollForSms(stack, inbox, { phone, tenant });
      assert.doesNotMatch(methodPage.html, /name="pin"/);
      assert.equal((await text(phone, 'RESET')).body, twiml(NEUTRAL));
      assert.equal(await resetStarted(tenant.clientId, userId), true);
    });
  });

  describe('wrong PINs', () => {
    const pin = '48210937';

    it('locks SMS RESET after five wrong PINs in a row by default, and emails the owner and the MSP', async () => {
      const tenant = await createTenantWithLiveAgent(stack, 'Lock default MSP', {});
      const phone = nextPhone();
      const { userId, email } = await enrollForSms(stack, inbox, { phone, tenant, pin });
      for (let guess = 0; guess < 4; guess++) await text(phone, `RESET 5555${1000 + guess}`);
      assert.deepEqual(await auditOf(tenant, userId, 'sms.reset_locked'), [], 'four wrong PINs do not lock');
      await text(phone, 'RESET 55551004');
      const locked = await auditOf(tenant, userId, 'sms.reset_locked');
      assert.equal(locked.length, 1);
      assert.equal(locked[0]!.detail.failures, '5');

      const notice = await stack.outbox.waitFor((m) => m.to === email && /locked/.test(m.subject ?? ''));
      assert.match(notice.subject ?? '', /Password reset by text message is locked/);
      assert.match(notice.text, /wrong PIN 5 times in a row/);
      assert.ok(!notice.text.includes(pin), 'the PIN is not in the email');
      const alert = await stack.outbox.waitFor((m) => m.channel === 'email' && m.to === ALERTS);
      assert.match(alert.text, /SMS RESET is locked/);
      assert.equal((await auditOf(tenant, userId, 'msp.alerted'))[0]?.detail.kind, 'sms_reset_locked');
    });

    it('refuses even the right PIN while locked, until a technician lifts the lock or the lock time passes', async () => {
      const tenant = await createTenantWithLiveAgent(stack, 'Lock MSP', {
        smsPinMaxFailures: 2,
        smsPinLockMinutes: 60,
      });
      const api = apiClient(stack.url, tenant.apiKey);
      const phone = nextPhone();
      const { userId } = await enrollForSms(stack, inbox, { phone, tenant, pin });
      const userPath = `/clients/${tenant.clientId}/users/${userId}`;

      await text(phone, 'RESET 11112223');
      await text(phone, 'RESET 11112224');
      const shown = await api('GET', userPath);
      assert.ok(Date.parse(shown.body.smsResetLockedUntil) > Date.now() + 59 * 60_000, shown.body.smsResetLockedUntil);
      assert.equal((await text(phone, `RESET ${pin}`)).body, twiml(NEUTRAL), 'the reply gives nothing away');
      assert.equal(await resetStarted(tenant.clientId, userId), false);
      assert.equal((await rejections(tenant, userId)).at(-1), 'sms_reset_locked');

      const lifted = await api('POST', `${userPath}/unlock-sms-reset`);
      assert.equal(lifted.status, 200, JSON.stringify(lifted.body));
      assert.equal(lifted.body.smsResetLockedUntil, null);
      const unlocked = await auditOf(tenant, userId, 'sms.reset_unlocked');
      assert.equal(unlocked.length, 1);
      assert.match(unlocked[0]!.actor, /^api-key:/);
      assert.equal((await api('POST', `${userPath}/unlock-sms-reset`)).status, 200, 'lifting no lock is harmless');
      assert.equal((await auditOf(tenant, userId, 'sms.reset_unlocked')).length, 1, 'and audits nothing');

      // Locked again, then the lock time runs out (moved into the past here rather than waited for).
      await text(phone, 'RESET 11112225');
      await text(phone, 'RESET 11112226');
      assert.equal((await auditOf(tenant, userId, 'sms.reset_locked')).length, 2);
      await stack.runtime
        .db('users')
        .where({ id: userId })
        .update({ sms_reset_locked_until: new Date(Date.now() - 1000) });
      assert.equal((await api('GET', userPath)).body.smsResetLockedUntil, null);
      await text(phone, `RESET ${pin}`);
      assert.equal(await resetStarted(tenant.clientId, userId), true);
    });

    it("answers a lock lift for another client's user with 404", async () => {
      const owner = await createTenantWithLiveAgent(stack, 'Owner MSP');
      const stranger = await createTenantWithLiveAgent(stack, 'Stranger MSP');
      const { userId } = await activateNewUser(stack, owner);
      const response = await apiClient(stack.url, stranger.apiKey)(
        'POST',
        `/clients/${owner.clientId}/users/${userId}/unlock-sms-reset`,
      );
      assert.equal(response.status, 404);
    });
  });

  describe('webhook replays', () => {
    it('answers a repeated MessageSid with an empty Response and acts on it only once', async () => {
      const tenant = await createTenantWithLiveAgent(stack, 'Replay MSP');
      const phone = nextPhone();
      const { userId } = await enrollForSms(stack, inbox, { phone, tenant });
      const reset = withSid('SM0123456789abcdef0123456789abcdef');
      assert.equal((await text(phone, 'RESET', reset)).body, twiml(NEUTRAL));
      assert.equal((await text(phone, 'RESET', reset)).body, EMPTY_TWIML);
      assert.equal((await auditOf(tenant, userId, 'reset.requested')).length, 1, 'one reset requested, not two');

      const stop = withSid('SM1123456789abcdef0123456789abcdef');
      assert.equal((await text(phone, 'STOP', stop)).body, EMPTY_TWIML);
      await text(phone, 'START', withSid('SM2123456789abcdef0123456789abcdef'));
      await text(phone, 'STOP', stop);
      const user = await stack.runtime.db('users').where({ id: userId }).first();
      assert.equal(user.sms_opted_out, false, 'a replayed STOP does not opt the user out again');
      assert.equal((await auditOf(tenant, userId, 'sms.opted_out')).length, 1);
      const stored = await stack.runtime.db('twilio_inbound_messages').where({ message_sid: reset.params.MessageSid });
      assert.equal(stored.length, 1);
    });

    it('refuses a signed webhook for another Twilio account or another number with 403, and one without a MessageSid with 400', async () => {
      const tenant = await createTenantWithLiveAgent(stack, 'Misaddressed MSP');
      const phone = nextPhone();
      const { userId } = await enrollForSms(stack, inbox, { phone, tenant });
      const otherAccount = await text(phone, 'RESET', { params: { AccountSid: 'AC99999999999999999999999999999999' } });
      // The body tells this refusal from a bad signature's, which is a 403 too.
      assert.equal(otherAccount.status, 403);
      assert.equal(otherAccount.body, 'Not addressed to this service');
      const otherNumber = await text(phone, 'RESET', { to: '+15005550009' });
      assert.equal(otherNumber.status, 403);
      assert.equal(otherNumber.body, 'Not addressed to this service');
      const noSid = await text(phone, 'RESET', { params: { MessageSid: '' } });
      assert.equal(noSid.status, 400);
      assert.equal(await resetStarted(tenant.clientId, userId), false);
      assert.deepEqual(await auditOf(tenant, userId, 'reset.requested'), []);
    });
  });

  it('refuses a technician reset of a user who texted STOP with a 409 that says why, writing nothing', async () => {
    const tenant = await createTenantWithLiveAgent(stack, 'Opted out MSP');
    const phone = nextPhone();
    const { userId } = await enrollForSms(stack, inbox, { phone, tenant });
    await text(phone, 'STOP');
    const response = await apiClient(stack.url, tenant.apiKey)(
      'POST',
      `/clients/${tenant.clientId}/users/${userId}/reset-password`,
    );
    assert.equal(response.status, 409, JSON.stringify(response.body));
    assert.match(JSON.stringify(response.body), /texted STOP/);
    assert.match(JSON.stringify(response.body), /text START/);
    assert.deepEqual(await stack.runtime.db('password_resets').where({ user_id: userId }), []);
    assert.deepEqual(await auditOf(tenant, userId, 'reset.requested'), []);
    assert.equal(await resetStarted(tenant.clientId, userId), false);
  });

  describe('toll fraud', () => {
    it('stops replying to one sender after ten replies in an hour, still acting on its texts', async () => {
      const sender = nextPhone();
      for (let reply = 0; reply < 10; reply++) assert.notEqual((await text(sender, 'hello')).body, EMPTY_TWIML);
      const eleventh = await text(sender, 'hello');
      assert.equal(eleventh.status, 200);
      assert.equal(eleventh.body, EMPTY_TWIML);
      assert.notEqual((await text(nextPhone(), 'hello')).body, EMPTY_TWIML, 'another sender still gets a reply');
    });

    it("refuses at the phone step a number from a country the client's list leaves out, and texts it nothing", async () => {
      const uk = '+447400123456';
      const before = twilio.messages.length;
      const instance = await activateNewUser(stack, await createTenantWithLiveAgent(stack, 'US and Canada MSP'));
      const browser = new BrowserSession(stack.url);
      await browser.get(instance.link);
      await browser.submit(instance.link, {});
      const refused = await browser.post('/enroll/phone', { phone: uk });
      assert.equal(refused.status, 422);
      assert.match(refused.html, /only to cell numbers from United States or Canada\./);
      await lookAt(refused.html, 'phone-country-refused');

      // A client's own list replaces the instance's: this one allows only the UK.
      const ukOnly = await createTenantWithLiveAgent(stack, 'UK MSP', { requireSmsPin: false, smsCountries: ['GB'] });
      const ukUser = await activateNewUser(stack, ukOnly);
      const ukBrowser = new BrowserSession(stack.url);
      await ukBrowser.get(ukUser.link);
      await ukBrowser.submit(ukUser.link, {});
      const us = await ukBrowser.post('/enroll/phone', { phone: nextPhone() });
      assert.equal(us.status, 422);
      assert.match(us.html, /only to cell numbers from United Kingdom\./);
      assert.equal(twilio.messages.length, before, 'no code was texted');
      const allowed = await ukBrowser.submit('/enroll/phone', { phone: uk });
      assert.match(allowed.html, /Enter the code/);
      await twilio.waitForMessage((m) => m.to === uk);
    });

    it("stops texting a client's users once its daily SMS ceiling is reached, and alerts the MSP once", async () => {
      const tenant = await createTenantWithLiveAgent(stack, 'Ceiling MSP', { requireSmsPin: false, smsPerDay: 2 });
      // A code and the enrollment confirmation: the two texts of the day.
      const phone = nextPhone();
      const confirmation = twilio.waitForMessage((m) => m.to === phone && /RESET/.test(m.body), 10_000);
      await enrollForSms(stack, inbox, { phone, tenant });
      await confirmation;

      const before = twilio.messages.length;
      for (let attempt = 0; attempt < 2; attempt++) {
        const user = await activateNewUser(stack, tenant);
        const browser = new BrowserSession(stack.url);
        await browser.get(user.link);
        await browser.submit(user.link, {});
        const page = await browser.post('/enroll/phone', { phone: nextPhone() });
        assert.equal(page.status, 429);
        assert.match(page.html, /No more text messages can be sent for your organisation today/);
      }
      assert.equal(twilio.messages.length, before, 'nothing more was texted');
      const alerts = (await auditOf(tenant, undefined, 'msp.alerted')).filter(
        (event) => event.detail.kind === 'sms_daily_limit_reached',
      );
      assert.equal(alerts.length, 1, 'alerted once, not per refusal');
      const mail = await stack.outbox.waitFor(
        (m) => m.channel === 'email' && m.to === ALERTS && /ceiling/.test(m.text),
      );
      assert.match(mail.text, /ceiling of 2 text messages/);
    });
  });
});
