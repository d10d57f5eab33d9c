import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { WorkflowNotFoundError } from '@temporalio/client';
import { startFakeTwilio, type FakeTwilio, type InboundSms } from '../../../test/fakes/fake-twilio';
import { apiClient } from '../../../test/support/http';
import { containsSecret, decodeHistoryPayloads, dumpDatabase } from '../../../test/support/secret-search';
import { enrollForSms, reachMethodStep, twilioInbox, type SmsInbox } from '../../../test/support/sms-enrollment';
import { createTenant, startTestStack, type TestStack } from '../../../test/support/stack';
import { createTenantWithLiveAgent, type Tenant } from '../../../test/support/reset-setup';
import { makeEnrollmentWorkflowId, makePasswordResetWorkflowId } from '../../../common/domain/workflow-ids';
import type { AuditAction } from '../../../common/domain/audit-actions';

const AUTH_TOKEN = 'inbound-webhook-token';
const NEUTRAL =
  'If this number is enrolled for password reset, a new password will arrive in a moment. Text HELP for help.';
const twiml = (message: string) =>
  `<?xml version="1.0" encoding="UTF-8"?><Response><Message>${message}</Message></Response>`;
const EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response/>';

/**
 * The webhook as Twilio calls it: signed by the fake over the configured public URL (http://localhost/...),
 * while the request itself goes to the port the stack listens on, as it would through a reverse proxy.
 */

describe('Twilio inbound-SMS webhook', () => {
  let twilio: FakeTwilio;
  let stack: TestStack;
  let inbox: SmsInbox;
  let tenant: Tenant;
  let pinTenant: Tenant;
  let phones = 2600;
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

  async function resetStarted(clientId: string, userId: string): Promise<boolean> {
    try {
      await stack.runtime.temporal.workflow.getHandle(makePasswordResetWorkflowId(clientId, userId)).describe();
      return true;
    } catch (error) {
      if (error instanceof WorkflowNotFoundError) return false;
      throw error;
    }
  }

  async function auditOf(mspId: string, userId: string, action: AuditAction) {
    return (await stack.runtime.stores.audit.list({ mspId, clientId: null }, { userId, action }, { limit: 50 })).items;
  }

  const userRow = (userId: string) => stack.runtime.db('users').where({ id: userId }).first();

  before(async () => {
    twilio = await startFakeTwilio({ accountSid: 'AC00000000000000000000000000000002', authToken: AUTH_TOKEN });
    stack = await startTestStack({
      env: {
        SMS_PROVIDER: 'twilio',
        TWILIO_ACCOUNT_SID: twilio.accountSid,
        TWILIO_AUTH_TOKEN: AUTH_TOKEN,
        TWILIO_API_BASE_URL: twilio.baseUrl,
        SMS_DAILY_LIMIT_PER_USER: '50',
      },
    });
    inbox = twilioInbox(twilio);
    tenant = await createTenantWithLiveAgent(stack, 'Inbound MSP');
    pinTenant = await createTenantWithLiveAgent(stack, 'Inbound PIN MSP');
    const patched = await apiClient(stack.url, pinTenant.apiKey)('PATCH', `/clients/${pinTenant.clientId}`, {
      // Enough wrong PINs in a row to reach the hourly budget before the lock (twilio-sms.guards.test.ts tries that).
      settings: { requireSmsPin: true, smsPinMaxFailures: 10 },
    });
    assert.equal(patched.status, 200, JSON.stringify(patched.body));
  });

  after(async () => {
    await stack?.stop();
    await twilio?.close();
  });

  it('refuses a forged signature with 403 and starts nothing', async () => {
    const phone = nextPhone();
    const { userId } = await enrollForSms(stack, inbox, { phone, tenant });

    const forged = await text(phone, 'RESET', { signature: 'bm90IGEgcmVhbCBzaWduYXR1cmU=' });
    assert.equal(forged.status, 403);
    const unsigned = await text(phone, 'RESET', { signature: '' });
    assert.equal(unsigned.status, 403);
    const otherToken = await startFakeTwilio({ accountSid: twilio.accountSid, authToken: 'some-other-token' });
    try {
      const wrongKey = await otherToken.sendInboundSms({
        url: `${stack.config.publicUrl}${webhookPath}`,
        postTo: `${stack.url}${webhookPath}`,
        from: phone,
        to: stack.config.sms.serviceNumber,
        body: 'RESET',
      });
      assert.equal(wrongKey.status, 403);
    } finally {
      await otherToken.close();
    }
    // Signed over the address the request really reached: valid only if the server trusted the Host header.
    const hostSigned = await text(phone, 'RESET', { url: `${stack.url}${webhookPath}` });
    assert.equal(hostSigned.status, 403);

    assert.equal(await resetStarted(tenant.clientId, userId), false);
    const traces = await stack.runtime
      .db('audit_events')
      .where({ user_id: userId })
      .whereIn('action', ['sms.reset_rejected', 'reset.requested']);
    assert.deepEqual(traces, []);
  });

  it('refuses a request altered after signing with 403', async () => {
    const phone = nextPhone();
    const { userId } = await enrollForSms(stack, inbox, { phone, tenant });
    const body = await text(phone, 'HELP', { alterAfterSigning: { Body: 'RESET' } });
    assert.equal(body.status, 403);
    const sender = await text('+14155550123', 'RESET', { alterAfterSigning: { From: phone } });
    assert.equal(sender.status, 403);
    const stop = await text(phone, 'HELP', { alterAfterSigning: { Body: 'STOP' } });
    assert.equal(stop.status, 403);
    assert.equal(await resetStarted(tenant.clientId, userId), false);
    assert.equal((await userRow(userId)).sms_opted_out, false);
  });

  it('answers HELP with the help text as TwiML, mentioning a PIN only where the client requires one', async () => {
    const phone = nextPhone();
    await enrollForSms(stack, inbox, { phone, tenant });
    const help = await text(phone, ' help ');
    assert.equal(help.status, 200);
    assert.match(help.contentType ?? '', /^text\/xml/);
    assert.equal(
      help.body,
      twiml(
        'Password reset service: text RESET to get a temporary password. Reply STOP to opt out. Contact your IT provider for other help.',
      ),
    );
    assert.equal((await text('+14155550111', 'INFO')).body, help.body, 'an unknown number gets the generic help');

    const pinPhone = nextPhone();
    await enrollForSms(stack, inbox, { phone: pinPhone, tenant: pinTenant, pin: '730914' });
    assert.match((await text(pinPhone, 'HELP')).body, /text RESET followed by your PIN/);
  });

  it('starts a password reset for RESET from an enrolled number, with the same reply an unknown number gets', async () => {
    const phone = nextPhone();
    const { userId } = await enrollForSms(stack, inbox, { phone, tenant });
    const unknown = await text('+14155550199', 'RESET');
    const known = await text(phone, '  reset ');
    assert.equal(known.status, 200);
    assert.equal(known.body, twiml(NEUTRAL));
    assert.equal(unknown.body, known.body, 'the reply must not tell whether the number is enrolled');
    assert.equal(unknown.contentType, known.contentType);

    const described = await stack.runtime.temporal.workflow
      .getHandle(makePasswordResetWorkflowId(tenant.clientId, userId))
      .describe();
    assert.equal(described.type, 'signedPasswordResetWorkflow');
    assert.equal(described.status.name, 'RUNNING');
  });

  it('answers RESET and a technician reset at once when the client has no live agent: nothing starts', async () => {
    const lonely = await createTenant(stack, 'No agent MSP');
    const phone = nextPhone();
    const { userId } = await enrollForSms(stack, inbox, { phone, tenant: lonely });
    const started = Date.now();
    const texted = await text(phone, 'RESET');
    assert.equal(
      texted.body,
      twiml(
        "Your company's password reset service is offline, so your password was not changed. Contact your IT provider.",
      ),
    );
    const asked = await apiClient(stack.url, lonely.apiKey)(
      'POST',
      `/clients/${lonely.clientId}/users/${userId}/reset-password`,
    );
    assert.equal(asked.status, 503, JSON.stringify(asked.body));
    assert.equal(asked.body.error.code, 'agent_offline');
    // The technician is told what is wrong and where to look, not the user's words.
    assert.match(asked.body.error.message, /reset service is offline: every one of its Latchkey agents has missed two/);
    assert.ok(Date.now() - started < 5_000, 'answered at once, not after the directory step timed out');
    await assert.rejects(
      stack.runtime.temporal.workflow.getHandle(makePasswordResetWorkflowId(lonely.clientId, userId)).describe(),
      { name: 'WorkflowNotFoundError' },
    );
    const rows = await stack.database.db('password_resets').where({ user_id: userId }).select('status', 'failure_code');
    assert.deepEqual(rows, [
      { status: 'refused', failure_code: 'agent_offline' },
      { status: 'refused', failure_code: 'agent_offline' },
    ]);
  });

  it('answers other words with a short hint', async () => {
    const reply = await text('+14155550123', 'hello <there> & "you"');
    assert.equal(reply.status, 200);
    assert.equal(
      reply.body,
      twiml('Sorry, we did not understand that. Text RESET for a new password, or HELP for help.'),
    );
  });

  it('opts out on STOP without a reply, ignores RESET while opted out, and opts back in on START', async () => {
    const phone = nextPhone();
    const { userId, tenant: owner } = await enrollForSms(stack, inbox, { phone, tenant });
    const stop = await text(phone, 'Stop');
    assert.equal(stop.status, 200);
    assert.equal(stop.body, EMPTY_TWIML);
    assert.equal((await userRow(userId)).sms_opted_out, true);
    assert.equal((await auditOf(owner.mspId, userId, 'sms.opted_out')).length, 1);

    const reset = await text(phone, 'RESET');
    assert.equal(reset.body, twiml(NEUTRAL));
    assert.equal(await resetStarted(owner.clientId, userId), false);

    const start = await text(phone, 'UNSTOP');
    assert.equal(start.body, EMPTY_TWIML);
    assert.equal((await userRow(userId)).sms_opted_out, false);
    assert.equal((await auditOf(owner.mspId, userId, 'sms.opted_in')).length, 1);
  });

  it('starts nothing when the number is enrolled for more than one user, and audits why', async () => {
    const phone = nextPhone();
    const first = await enrollForSms(stack, inbox, { phone, tenant });
    const second = await enrollForSms(stack, inbox, { phone, tenant: pinTenant, pin: '730914' });
    assert.equal((await text(phone, 'RESET 730914')).body, twiml(NEUTRAL));
    assert.equal(await resetStarted(tenant.clientId, first.userId), false);
    assert.equal(await resetStarted(pinTenant.clientId, second.userId), false);
    const audited = await auditOf(tenant.mspId, first.userId, 'sms.reset_rejected');
    assert.deepEqual(
      audited.map((event) => event.detail),
      [{ reason: 'several_accounts' }],
    );
  });

  describe('when the client requires a PIN', () => {
    const pin = '48210937';

    it('asks for a PIN on the method page and refuses a bad one with a clear 422', async () => {
      const phone = nextPhone();
      const { browser, methodPage } = await reachMethodStep(stack, inbox, { phone, tenant: pinTenant });
      assert.match(methodPage.html, /name="pin"/);
      assert.match(methodPage.html, /name="pinConfirm"/);
      const cases: [Record<string, string>, RegExp][] = [
        [{}, /PIN of 4 to 8 digits/],
        [{ pin: '12a4', pinConfirm: '12a4' }, /PIN of 4 to 8 digits/],
        [{ pin: '123456789', pinConfirm: '123456789' }, /PIN of 4 to 8 digits/],
        [{ pin: '1234', pinConfirm: '1234' }, /too easy to guess/],
        [{ pin, pinConfirm: '48210938' }, /do not match/],
      ];
      for (const [fields, error] of cases) {
        const page = await browser.post('/enroll/method', { method: 'sms', ...fields });
        assert.equal(page.status, 422, JSON.stringify(fields));
        assert.match(page.html, error);
        // Echoed back would mean a value in the PIN fields: the page never refills them.
        assert.doesNotMatch(page.html, /name="pin(Confirm)?"[^>]*value="[^"]/, 'the PIN is not echoed back');
      }
      // The app needs no PIN.
      const app = await browser.submit('/enroll/method', { method: 'app' });
      assert.match(app.html, /Set up the Latchkey app/);
    });

    it('shows no PIN field when the client does not require one', async () => {
      const { methodPage } = await reachMethodStep(stack, inbox, { phone: nextPhone(), tenant });
      assert.doesNotMatch(methodPage.html, /name="pin"/);
    });

    it('starts a reset only for the right PIN, audits the rest, and keeps the PIN out of the database, logs and history', async () => {
      const phone = nextPhone();
      const { userId } = await enrollForSms(stack, inbox, { phone, tenant: pinTenant, pin });
      const stored = await userRow(userId);
      assert.match(stored.sms_pin_hash, /^[A-Za-z0-9_-]{43}$/);

      assert.equal((await text(phone, 'RESET')).body, twiml(NEUTRAL));
      assert.equal((await text(phone, 'reset 11112222')).body, twiml(NEUTRAL));
      assert.equal(await resetStarted(pinTenant.clientId, userId), false);
      const rejected = await auditOf(pinTenant.mspId, userId, 'sms.reset_rejected');
      assert.deepEqual(
        rejected.map((event) => event.detail),
        [{ reason: 'missing_pin' }, { reason: 'wrong_pin' }],
      );

      assert.equal((await text(phone, `RESET ${pin}`)).body, twiml(NEUTRAL));
      assert.equal(await resetStarted(pinTenant.clientId, userId), true);

      const dump = await dumpDatabase(stack.database.db);
      assert.ok(dump.includes(stored.sms_pin_hash), 'the dump holds the PIN hash');
      assert.ok(!containsSecret(dump, pin), 'the PIN is in the database dump');
      assert.ok(!containsSecret(stack.logs.join(''), pin), 'the PIN is in the logs');

      // Decoded, the enrollment history holds the hash that the page sent, and still not the PIN.
      const history = await stack.runtime.temporal.workflow.getHandle(makeEnrollmentWorkflowId(userId)).fetchHistory();
      const payloads = (history.events ?? []).flatMap((event) => [
        ...(event.workflowExecutionUpdateAcceptedEventAttributes?.acceptedRequest?.input?.args?.payloads ?? []),
        ...(event.activityTaskScheduledEventAttributes?.input?.payloads ?? []),
      ]);
      const clear = await decodeHistoryPayloads(stack, makeEnrollmentWorkflowId(userId), payloads);
      assert.ok(clear.includes(stored.sms_pin_hash), 'the decoded history holds the PIN hash');
      assert.ok(!containsSecret(clear, pin), 'the PIN is in the decoded history');
    });

    it('stops accepting PINs after five tries in an hour, even the right one', async () => {
      const phone = nextPhone();
      const { userId } = await enrollForSms(stack, inbox, { phone, tenant: pinTenant, pin });
      for (let guess = 0; guess < 5; guess++)
        assert.equal((await text(phone, `RESET 5555${1000 + guess}`)).body, twiml(NEUTRAL));
      assert.equal((await text(phone, `RESET ${pin}`)).body, twiml(NEUTRAL));
      assert.equal(await resetStarted(pinTenant.clientId, userId), false);
      const reasons = (await auditOf(pinTenant.mspId, userId, 'sms.reset_rejected')).map(
        (event) => event.detail.reason,
      );
      assert.equal(reasons.filter((reason) => reason === 'wrong_pin').length, 5);
      assert.equal(reasons.at(-1), 'pin_rate_limited');
    });
  });

  it('is not mounted as the outbox dev form when SMS goes to Twilio', async () => {
    const response = await fetch(`${stack.url}/outbox/inbound`);
    assert.equal(response.status, 404);
  });
});
