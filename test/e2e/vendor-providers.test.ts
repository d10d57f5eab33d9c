import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startFakeTwilio, type FakeTwilio } from '../fakes/fake-twilio';
import { startSmtpReceiver, type SmtpReceiver } from '../fakes/smtp-receiver';
import { codeIn, linkIn } from '../support/enrollment-flow';
import { BrowserSession, apiClient } from '../support/http';
import { createTenant, startTestStack, type TestStack } from '../support/stack';
import { vendorFakesEnv } from '../support/vendor-fakes-env';

/**
 * The same enrollment as the page tests, but with the real vendor SDKs: nodemailer speaks SMTP to a loopback
 * receiver, and the twilio SDK makes real HTTP requests to a loopback fake of Twilio's Messages API.
 */
describe('enrollment through SMTP and the Twilio SDK', () => {
  let twilio: FakeTwilio;
  let smtp: SmtpReceiver;
  let stack: TestStack;

  before(async () => {
    twilio = await startFakeTwilio({ accountSid: 'AC00000000000000000000000000000001', authToken: 'fake-auth-token' });
    smtp = await startSmtpReceiver();
    stack = await startTestStack({
      env: vendorFakesEnv(smtp, twilio, 'fake-auth-token'),
    });
  });

  after(async () => {
    await stack?.stop();
    await twilio?.close();
    await smtp?.close();
  });

  it('emails the link over SMTP and texts the code and confirmation through Twilio', async () => {
    assert.equal(stack.runtime.outbox, undefined, 'no outbox when every provider is a vendor');
    const tenant = await createTenant(stack, 'Vendor MSP');
    const api = apiClient(stack.url, tenant.apiKey);
    const user = await api('POST', `/clients/${tenant.clientId}/users`, {
      username: 'vendor',
      email: 'vendor@example.com',
    });
    await api('POST', `/clients/${tenant.clientId}/users/${user.body.id}/activate`);

    const mail = await smtp.waitForMessage((m) => m.envelope.to.includes('vendor@example.com'), 10_000);
    assert.match(mail.subject ?? '', /Vendor MSP/);
    const link = linkIn(mail);

    const browser = new BrowserSession(stack.url);
    await browser.get(link);
    await browser.submit(link, {});
    await browser.submit('/enroll/phone', { phone: '+14155552671' });
    const sms = await twilio.waitForMessage((m) => m.to === '+14155552671', 10_000);
    assert.equal(sms.from, stack.config.sms.serviceNumber);
    assert.equal(sms.authenticatedAs, twilio.accountSid);
    const code = codeIn(sms.body);
    await browser.submit('/enroll/code', { code });
    await browser.submit('/enroll/method', { method: 'sms' });
    await twilio.waitForMessage((m) => /text RESET/.test(m.body), 10_000);
    assert.equal((await api('GET', `/clients/${tenant.clientId}/users/${user.body.id}`)).body.status, 'enrolled_sms');
  });

  it('tells the user plainly when Twilio rejects the number, and sends nothing', async () => {
    const tenant = await createTenant(stack, 'Vendor MSP 2');
    const api = apiClient(stack.url, tenant.apiKey);
    const user = await api('POST', `/clients/${tenant.clientId}/users`, {
      username: 'vendor2',
      email: 'vendor2@example.com',
    });
    await api('POST', `/clients/${tenant.clientId}/users/${user.body.id}/activate`);
    const mail = await smtp.waitForMessage((m) => m.envelope.to.includes('vendor2@example.com'), 10_000);
    const link = linkIn(mail);
    const browser = new BrowserSession(stack.url);
    await browser.get(link);
    await browser.submit(link, {});
    twilio.failNext({ status: 400, code: 21614, message: "'To' number is not a valid mobile number" });
    const before = twilio.messages.length;
    const page = await browser.post('/enroll/phone', { phone: '+14155552672' });
    assert.equal(page.status, 422);
    assert.match(page.html, /could not send a text to that number/);
    assert.equal(twilio.messages.length, before);
  });
});
