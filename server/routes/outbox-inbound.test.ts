import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { BrowserSession } from '../../test/support/http';
import { enrollForSms, outboxInbox } from '../../test/support/sms-enrollment';
import { startTestStack, type TestStack } from '../../test/support/stack';
import { createTenantWithLiveAgent } from '../../test/support/reset-setup';
import { makePasswordResetWorkflowId } from '../../common/domain/workflow-ids';

/** The development path: with SMS going to the outbox, a form on /outbox/inbound stands in for a phone. */
describe('texting the service number from the outbox (SMS in outbox mode)', () => {
  let stack: TestStack;

  before(async () => {
    stack = await startTestStack();
  });

  after(async () => {
    await stack?.stop();
  });

  it('links the form from the outbox page, and has no Twilio webhook to call', async () => {
    const outbox = await new BrowserSession(stack.url).get('/outbox');
    assert.match(outbox.html, /href="\/outbox\/inbound"/);
    const webhook = await fetch(`${stack.url}/webhooks/twilio/sms`, {
      method: 'POST',
      body: new URLSearchParams({ From: '+14155552671', Body: 'RESET' }),
    });
    assert.equal(webhook.status, 404);
  });

  it('answers HELP on the page and in the outbox, and starts a reset for RESET', async () => {
    const phone = '+14155552681';
    const { userId, tenant } = await enrollForSms(stack, outboxInbox(stack), {
      phone,
      tenant: await createTenantWithLiveAgent(stack, 'Outbox MSP'),
    });
    const browser = new BrowserSession(stack.url);
    const form = await browser.get('/outbox/inbound');
    assert.equal(form.status, 200);
    assert.match(form.html, /name="body"/);

    const replyInOutbox = outboxInbox(stack).next(phone);
    const help = await browser.post('/outbox/inbound', { from: '(415) 555-2681', body: 'help' });
    assert.equal(help.status, 200);
    assert.match(help.html, /Password reset service: text RESET to get a temporary password/);
    assert.match(await replyInOutbox, /^Password reset service/);

    const reset = await browser.post('/outbox/inbound', { from: phone, body: 'RESET' });
    assert.match(reset.html, /If this number is enrolled for password reset/);
    const described = await stack.runtime.temporal.workflow
      .getHandle(makePasswordResetWorkflowId(tenant.clientId, userId))
      .describe();
    assert.equal(described.type, 'signedPasswordResetWorkflow');
  });

  it('shows a bad number as an error, and refuses a post without the form token', async () => {
    const browser = new BrowserSession(stack.url);
    await browser.get('/outbox/inbound');
    const bad = await browser.post('/outbox/inbound', { from: 'not a phone', body: 'HELP' });
    assert.equal(bad.status, 422);
    assert.match(bad.html, /phone number/);
    const forged = await browser.post('/outbox/inbound', { from: '+14155552681', body: 'STOP' }, { csrf: null });
    assert.equal(forged.status, 403);
  });
});
