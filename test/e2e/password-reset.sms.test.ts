import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { RunningAgent } from '../../agent/agent';
import { startFakeTwilio, type FakeTwilio } from '../fakes/fake-twilio';
import { codeIn, linkIn, passwordIn } from '../support/enrollment-flow';
import { BrowserSession, apiClient } from '../support/http';
import { startTestAgent, type Tenant } from '../support/reset-setup';
import { startSambaDc, type SambaDc } from '../support/samba';
import { createTenant, startTestStack, type TestStack } from '../support/stack';
import { makePasswordResetWorkflowId } from '../../common/domain/workflow-ids';

/**
 * The headline path, every part real: a user enrolled through the pages texts RESET to the service number;
 * Twilio (the fake, signing its webhook as Twilio does) posts it to Latchkey; the agent sets the password in
 * Samba; the password goes back through the Twilio SDK; and it works for a real bind.
 */
describe('SMS RESET end to end: webhook, workflow, agent, Samba, Twilio', () => {
  let dc: SambaDc;
  let twilio: FakeTwilio;
  let stack: TestStack;
  let tenant: Tenant;
  let agent: RunningAgent;
  const webhook = '/webhooks/twilio/sms';

  before(async () => {
    dc = await startSambaDc();
    twilio = await startFakeTwilio({ accountSid: 'AC00000000000000000000000000000002', authToken: 'sms-reset-token' });
    stack = await startTestStack({
      env: {
        SMS_PROVIDER: 'twilio',
        TWILIO_ACCOUNT_SID: twilio.accountSid,
        TWILIO_AUTH_TOKEN: 'sms-reset-token',
        TWILIO_API_BASE_URL: twilio.baseUrl,
        EMAIL_PROVIDER: 'outbox',
        LATCHKEY_ALERT_EMAIL: 'noc@msp.example.com',
      },
    });
    tenant = await createTenant(stack, 'Texting MSP');
    agent = await startTestAgent(stack, tenant, dc);
  });
  after(async () => {
    await agent?.stop();
    await stack?.stop();
    await twilio?.close();
    await dc?.stop();
  });

  const text = (from: string, body: string) =>
    twilio.sendInboundSms({
      url: `${stack.config.publicUrl}${webhook}`,
      postTo: `${stack.url}${webhook}`,
      from,
      to: stack.config.sms.serviceNumber,
      body,
    });

  /** A user in Samba and in Latchkey, activated and enrolled through the pages for SMS resets on `phone`. */
  async function enrolledInSamba(prefix: string, phone: string) {
    const username = `${prefix}${randomUUID().replace(/-/g, '').slice(0, 8)}`;
    const created = await dc.createUser(username, 'Initial#Pass1', { mail: `${username}@example.com` });
    const api = apiClient(stack.url, tenant.apiKey);
    const user = await api('POST', `/clients/${tenant.clientId}/users`, { username, email: `${username}@example.com` });
    await api('POST', `/clients/${tenant.clientId}/users/${user.body.id}/activate`);
    const link = linkIn(await stack.outbox!.waitFor((m) => m.to === `${username}@example.com`));
    const browser = new BrowserSession(stack.url);
    await browser.get(link);
    await browser.submit(link, {});
    const before = twilio.messages.length;
    await browser.submit('/enroll/phone', { phone });
    const codeSms = await twilio.waitForMessage((m) => m.to === phone && twilio.messages.indexOf(m) >= before, 10_000);
    await browser.submit('/enroll/code', { code: codeIn(codeSms.body) });
    assert.match((await browser.submit('/enroll/method', { method: 'sms' })).html, /all set/);
    return { created, userId: user.body.id as string };
  }

  it('texts back a one-time password that the directory accepts, and replies neutrally', async () => {
    const phone = '+14155552688';
    const { created, userId } = await enrolledInSamba('sms', phone);
    const api = apiClient(stack.url, tenant.apiKey);

    const sent = twilio.messages.length;
    const reply = await text(phone, 'reset');
    assert.equal(reply.status, 200);
    assert.match(reply.body, /<Message>If this number is enrolled/);
    const passwordSms = await twilio.waitForMessage(
      (m) => m.to === phone && twilio.messages.indexOf(m) >= sent && /temporary password/.test(m.body),
      30_000,
    );
    const password = passwordIn(passwordSms.body);
    await assert.rejects(
      dc.bind(created.userPrincipalName, password),
      /data 773/,
      'right password, change required at next logon',
    );

    const unknown = await text('+14155552699', 'RESET');
    assert.equal(unknown.body, reply.body, 'an unknown number gets the very same reply');
    const audit = await api('GET', `/audit-events?userId=${userId}&limit=200`);
    const actions = audit.body.items.map((e: { action: string; actor: string }) => `${e.action}:${e.actor}`);
    assert.ok(actions.includes('reset.requested:sms'), actions.join(', '));
    assert.ok(actions.includes('reset.completed:system'));
  });

  it('records a password set but not texted as "set, not delivered" in the history, the audit log and the API, and alerts the MSP', async () => {
    const phone = '+14155552689';
    const { userId } = await enrolledInSamba('snd', phone);
    const api = apiClient(stack.url, tenant.apiKey);
    await twilio.waitForMessage((m) => m.to === phone && /RESET/.test(m.body), 10_000);

    // The number stopped taking texts after it enrolled (a STOP sent straight to the carrier, say): Twilio refuses it.
    twilio.failNext({ status: 400, code: 21610, message: 'Attempt to send to unsubscribed recipient' });
    const reset = await api('POST', `/clients/${tenant.clientId}/users/${userId}/reset-password`);
    assert.equal(reset.status, 502, JSON.stringify(reset.body));
    assert.equal(reset.body.status, 'set_not_delivered');
    assert.equal(reset.body.code, 'password_set_not_delivered');
    assert.match(reset.body.message, /set in the directory but could not be texted/);
    assert.ok(!twilio.messages.some((m) => m.to === phone && /temporary password/.test(m.body)), 'nothing was texted');

    const history = await api('GET', `/clients/${tenant.clientId}/password-resets?limit=100`);
    const row = history.body.items.find((item: { id: string }) => item.id === reset.body.resetId);
    assert.equal(row?.status, 'set_not_delivered', JSON.stringify(row));
    assert.equal(row?.failureCode, 'password_set_not_delivered');
    const audit = await api('GET', `/audit-events?userId=${userId}&limit=200`);
    const events = audit.body.items as Array<{ action: string; detail: Record<string, string> }>;
    assert.deepEqual(
      events.filter((e) => e.action.startsWith('reset.') && e.action !== 'reset.requested').map((e) => e.action),
      ['reset.set_not_delivered'],
    );
    assert.equal(events.find((e) => e.action === 'msp.alerted')?.detail.kind, 'reset_not_delivered');
    const alert = await stack.outbox!.waitFor((m) => m.to === 'noc@msp.example.com');
    assert.match(alert.text, /could not be texted/);
    // The API hears the outcome as soon as it is recorded; the workflow ends just after, and ends well.
    const handle = stack.runtime.temporal.workflow.getHandle(makePasswordResetWorkflowId(tenant.clientId, userId));
    await handle.result();
    assert.equal((await handle.describe()).status.name, 'COMPLETED', 'the workflow ends with the outcome recorded');
  });
});
