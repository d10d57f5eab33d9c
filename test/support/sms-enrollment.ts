import assert from 'node:assert/strict';
import type { FakeTwilio } from '../fakes/fake-twilio';
import { activateNewUser, codeIn } from './enrollment-flow';
import { BrowserSession } from './http';
import type { createTenant, TestStack } from './stack';

/** Where a test reads the texts the app sends: the outbox, or the fake Twilio. */
export interface SmsInbox {
  /** Resolves with the body of the next text to `phone` sent after this call. */
  next(phone: string): Promise<string>;
}

export function outboxInbox(stack: TestStack): SmsInbox {
  return {
    next(phone) {
      const seen = new Set(stack.outbox.list().map((m) => m.id));
      return stack.outbox.waitFor((m) => m.channel === 'sms' && m.to === phone && !seen.has(m.id)).then((m) => m.text);
    },
  };
}

export function twilioInbox(twilio: FakeTwilio): SmsInbox {
  return {
    next(phone) {
      const before = twilio.messages.length;
      return twilio
        .waitForMessage((m) => m.to === phone && twilio.messages.indexOf(m) >= before, 10_000)
        .then((m) => m.body);
    },
  };
}

/**
 * Walks a new user through the pages up to the method step, with the phone verified. The activation email must
 * go to the outbox (SMS may go either way).
 */
export async function reachMethodStep(
  stack: TestStack,
  inbox: SmsInbox,
  options: { phone: string; tenant?: Awaited<ReturnType<typeof createTenant>> },
) {
  const activated = await activateNewUser(stack, options.tenant);
  const browser = new BrowserSession(stack.url);
  assert.equal((await browser.get(activated.link)).status, 200);
  assert.match((await browser.submit(activated.link, {})).html, /Your cell number/);
  const codeText = inbox.next(options.phone);
  const codePage = await browser.submit('/enroll/phone', { phone: options.phone });
  assert.match(codePage.html, /Enter the code/, codePage.html);
  const code = codeIn(await codeText);
  const methodPage = await browser.submit('/enroll/code', { code });
  assert.match(methodPage.html, /How do you want to reset your password/, methodPage.html);
  return { ...activated, browser, methodPage };
}

/** A user enrolled for SMS resets on `phone`, with a PIN when the client requires one. */
export async function enrollForSms(
  stack: TestStack,
  inbox: SmsInbox,
  options: { phone: string; pin?: string; tenant?: Awaited<ReturnType<typeof createTenant>> },
) {
  const reached = await reachMethodStep(stack, inbox, options);
  const pinFields: Record<string, string> =
    options.pin === undefined ? {} : { pin: options.pin, pinConfirm: options.pin };
  // The instructions text follows the page; waiting for it keeps it from being taken for a later reply.
  const instructions = inbox.next(options.phone);
  const done = await reached.browser.submit('/enroll/method', { method: 'sms', ...pinFields });
  assert.match(done.html, /You are all set/, done.html);
  assert.match(await instructions, /text RESET to this number/);
  return reached;
}
