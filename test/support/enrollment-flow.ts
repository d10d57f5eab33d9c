import assert from 'node:assert/strict';
import { makeEnrollmentWorkflowId } from '../../common/domain/workflow-ids';
import { apiClient, BrowserSession } from './http';
import { createTenant, type ReachableStack, type TestStack } from './stack';

let counter = 0;

type ApiCall = ReturnType<typeof apiClient>;

/** Creates a user through the API and activates it; returns what a test needs to walk the pages. */
export async function activateNewUser(stack: TestStack, tenant?: Awaited<ReturnType<typeof createTenant>>) {
  const owner = tenant ?? (await createTenant(stack, `MSP ${++counter}`));
  const api = apiClient(stack.url, owner.apiKey);
  const email = `user${++counter}.${Date.now()}@example.com`;
  const created = await api('POST', `/clients/${owner.clientId}/users`, {
    username: `user${counter}`,
    email,
    displayName: `User ${counter}`,
  });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  const activated = await api('POST', `/clients/${owner.clientId}/users/${created.body.id}/activate`);
  assert.equal(activated.status, 202, JSON.stringify(activated.body));
  const mail = await stack.outbox.waitFor((m) => m.channel === 'email' && m.to === email);
  return { tenant: owner, api, userId: created.body.id as string, email, mail, link: linkIn(mail) };
}

/** Messages are not quoted in failures: they carry live links, codes and passwords. */
const textOf = (message: { text?: string } | string) => (typeof message === 'string' ? message : (message.text ?? ''));

/** The activation link's path, from an email in the outbox or one the SMTP receiver got. */
export function linkIn(mail: { text?: string }): string {
  const match = /https?:\/\/[^\s"<]+\/activate\/[A-Za-z0-9_-]{43}/.exec(textOf(mail));
  assert.ok(match, `no activation link in a ${textOf(mail).length}-character email`);
  return new URL(match[0]).pathname;
}

/** The 6-digit code from a text, in the outbox or sent through Twilio. */
export function codeIn(message: { text?: string } | string): string {
  const match = /\b(\d{6})\b/.exec(textOf(message));
  assert.ok(match, `no code in a ${textOf(message).length}-character text`);
  return match[1]!;
}

/** The one-time password from a reset text. */
export function passwordIn(message: { text?: string } | string): string {
  const match = /temporary password is (\S+?)(?: —|\.)/.exec(textOf(message));
  assert.ok(match, `no password in a ${textOf(message).length}-character text`);
  return match[1]!;
}

/** Opens the link, starts, and submits a phone number; returns the browser and the code that was texted. */
export async function reachCodeStep(stack: ReachableStack, linkPath: string, phone = '+14155552671') {
  const browser = new BrowserSession(stack.url);
  const landing = await browser.get(linkPath);
  assert.equal(landing.status, 200, landing.html);
  const started = await browser.submit(linkPath, {});
  assert.equal(started.status, 200, started.html);
  assert.match(started.html, /Your cell number/);
  const seen = new Set(stack.outbox.list().map((m) => m.id));
  const codePage = await browser.submit('/enroll/phone', { phone });
  assert.equal(codePage.status, 200, codePage.html);
  assert.match(codePage.html, /Enter the code/);
  const sms = await stack.outbox.waitFor((m) => m.channel === 'sms' && m.to === phone && !seen.has(m.id));
  return { browser, code: codeIn(sms), phone };
}

/** Deactivates a user through the API and waits for its enrollment run to close, as an MSP starting over would. */
export async function deactivateUser(
  stack: TestStack,
  user: { api: ApiCall; tenant: { clientId: string }; userId: string },
) {
  const deactivated = await user.api('POST', `/clients/${user.tenant.clientId}/users/${user.userId}/deactivate`);
  assert.equal(deactivated.status, 200, JSON.stringify(deactivated.body));
  await stack.runtime.temporal.workflow
    .getHandle(makeEnrollmentWorkflowId(user.userId))
    .result()
    .catch(() => undefined);
}

/** Activates a user again and returns the new activation link (the newest email to the user's address). */
export async function reactivateUser(
  stack: TestStack,
  user: { api: ApiCall; tenant: { clientId: string }; userId: string; email: string },
): Promise<string> {
  const seen = new Set(stack.outbox.list().map((m) => m.id));
  const activated = await user.api('POST', `/clients/${user.tenant.clientId}/users/${user.userId}/activate`);
  assert.equal(activated.status, 202, JSON.stringify(activated.body));
  assert.equal(activated.body.outcome, 'activated');
  return linkIn(await stack.outbox.waitFor((m) => m.channel === 'email' && m.to === user.email && !seen.has(m.id)));
}
