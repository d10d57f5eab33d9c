import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { deviceClient, pairFromDonePage } from './device';
import { linkIn, reachCodeStep } from './enrollment-flow';
import type { FakeSubscription } from '../fakes/fake-push-service';
import { apiClient } from './http';
import type { Tenant } from './reset-setup';
import type { SambaDc } from './samba';
import type { TestStack } from './stack';

let phoneCounter = 7000;

/**
 * A Samba account whose Latchkey user enrolled for the app through the real pages and paired a Node device
 * protected by `pin`; with `push`, the device also registered that web-push subscription.
 */
export async function enrolledAppUser(
  stack: TestStack,
  tenant: Tenant,
  dc: SambaDc,
  options: { pin: string; push?: Pick<FakeSubscription, 'endpoint' | 'keys'> },
) {
  const username = `ap${randomUUID().replace(/-/g, '').slice(0, 10)}`;
  const password = `Initial#${randomUUID().slice(0, 8)}A1`;
  const email = `${username}@example.com`;
  const created = await dc.createUser(username, password, { mail: email });
  const api = apiClient(stack.url, tenant.apiKey);
  const user = await api('POST', `/clients/${tenant.clientId}/users`, { username, email });
  assert.equal(user.status, 201, JSON.stringify(user.body));
  const userId = user.body.id as string;
  await api('POST', `/clients/${tenant.clientId}/users/${userId}/activate`);
  const link = linkIn(await stack.outbox.waitFor((m) => m.to === email));
  const phone = `+1415555${String(phoneCounter++).padStart(4, '0')}`;
  const { browser, code } = await reachCodeStep(stack, link, phone);
  await browser.submit('/enroll/code', { code });
  const done = await browser.submit('/enroll/method', { method: 'app' });
  const device = await pairFromDonePage(stack.url, done.html, options.pin);
  if (options.push) {
    const subscription = { endpoint: options.push.endpoint, keys: options.push.keys };
    const subscribed = await deviceClient(stack.url)(
      'PUT',
      '/devices/me/push',
      { push: { kind: 'webpush', subscription } },
      device.auth,
    );
    assert.equal(subscribed.status, 204, JSON.stringify(subscribed.body));
  }
  return { username, password, userId, upn: created.userPrincipalName, dn: created.dn, device };
}
