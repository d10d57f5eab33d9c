import assert from 'node:assert/strict';
import type { OutboxMessage } from '../../plugins/outbox/outbox';
import { apiClient, BrowserSession } from './http';
import { createTenant, type TestStack } from './stack';

let counter = 0;

/** Creates a user through the API and activates it; returns what a test needs to walk the pages. */
export async function activateNewUser(stack: TestStack, tenant?: Awaited<ReturnType<typeof createTenant>>) {
  const owner = tenant ?? (await createTenant(stack, `MSP ${++counter}`));
  const api = apiClient(stack.url, owner.apiKey);
  const email = `user${++counter}.${Date.now()}@example.com`;
  const created = await api('POST', `/clients/${owner.clientId}/users`, { username: `user${counter}`, email, displayName: `User ${counter}` });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  const activated = await api('POST', `/clients/${owner.clientId}/users/${created.body.id}/activate`);
  assert.equal(activated.status, 202, JSON.stringify(activated.body));
  const mail = await stack.outbox.waitFor((m) => m.channel === 'email' && m.to === email);
  return { tenant: owner, api, userId: created.body.id as string, email, mail, link: linkIn(mail) };
}

export function linkIn(mail: OutboxMessage): string {
  const match = /https?:\/\/[^\s"<]+\/activate\/[A-Za-z0-9_-]{43}/.exec(mail.text);
  assert.ok(match, `no activation link in: ${mail.text}`);
  return new URL(match[0]).pathname;
}

export function codeIn(message: OutboxMessage): string {
  const match = /\b(\d{6})\b/.exec(message.text);
  assert.ok(match, `no code in: ${message.text}`);
  return match[1]!;
}

/** Opens the link, starts, and submits a phone number; returns the browser and the code that was texted. */
export async function reachCodeStep(stack: TestStack, linkPath: string, phone = '+14155552671') {
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
