import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { activateNewUser } from '../../test/support/enrollment-flow';
import { BrowserSession } from '../../test/support/http';
import { startTestStack, type TestStack } from '../../test/support/stack';

const PER_MINUTE = 3;

/** A form post that the limiter counts and then refuses for its missing CSRF token: the limit runs first. */
const postFrom = (stack: TestStack, forwardedFor: string, path = `/activate/${'A'.repeat(43)}`) =>
  fetch(`${stack.url}${path}`, {
    method: 'POST',
    headers: { 'x-forwarded-for': forwardedFor, 'content-type': 'application/x-www-form-urlencoded' },
    body: '',
    redirect: 'manual',
  });

describe('per-IP and per-session limits on the enrollment forms', () => {
  let stack: TestStack;
  let behindOneProxy: TestStack;
  before(async () => {
    // The default LATCHKEY_TRUST_PROXY=loopback trusts the test's own loopback connection as a proxy, so each
    // request's X-Forwarded-For is the address it comes from.
    stack = await startTestStack({ env: { RATE_LIMIT_PER_IP_PER_MINUTE: String(PER_MINUTE) } });
    // Beside it on the same database: an API replica configured for one proxy hop.
    behindOneProxy = await startTestStack({
      role: 'api',
      database: stack.database,
      env: { RATE_LIMIT_PER_IP_PER_MINUTE: String(PER_MINUTE), LATCHKEY_TRUST_PROXY: '1' },
    });
  });
  after(async () => {
    await behindOneProxy?.stop();
    await stack?.stop();
  });

  it('counts IPv6 addresses by their /64, so fresh addresses in one network buy no more tries', async () => {
    for (const address of ['2001:db8:1:2::1', '2001:db8:1:2::2', '2001:db8:1:2:abcd:ef01:2345:6789'])
      assert.notEqual((await postFrom(stack, address)).status, 429);
    const refused = await postFrom(stack, '2001:db8:1:2:ffff:ffff:ffff:ffff');
    assert.equal(refused.status, 429);
    assert.ok(Number(refused.headers.get('retry-after')) > 0);
    assert.match(await refused.text(), /Too many requests from your network; try again in \d+ seconds/);
    // The next /64 is someone else.
    assert.notEqual((await postFrom(stack, '2001:db8:1:3::1')).status, 429);
    // An IPv4 peer reported as IPv4-mapped IPv6 counts as that IPv4 address, not as the /64 ::ffff:0:0.
    for (let i = 0; i < PER_MINUTE; i++) assert.notEqual((await postFrom(stack, '::ffff:198.51.100.20')).status, 429);
    assert.equal((await postFrom(stack, '198.51.100.20')).status, 429);
    assert.notEqual((await postFrom(stack, '198.51.100.21')).status, 429);
  });

  it('keys the step forms per session and IP: one office behind NAT does not share one budget', async () => {
    const office = '203.0.113.50';
    const open = async () => {
      const { link } = await activateNewUser(stack);
      const browser = new BrowserSession(stack.url, { 'x-forwarded-for': office });
      assert.equal((await browser.get(link)).status, 200);
      const started = await browser.submit(link, {});
      assert.match(started.html, /Your cell number/);
      return browser;
    };
    const alice = await open();
    const bob = await open();
    for (let i = 0; i < PER_MINUTE; i++) assert.equal((await alice.post('/enroll/phone', { phone: '12' })).status, 422);
    const refused = await alice.post('/enroll/phone', { phone: '12' });
    assert.equal(refused.status, 429);
    assert.match(refused.html, /Too many tries in a minute; try again in \d+ seconds/);
    // Bob, at the same office address, still has his own budget; Alice's spent one stopped only her.
    const bobs = await bob.post('/enroll/phone', { phone: '12' });
    assert.equal(bobs.status, 422, bobs.html);
  });

  it('reads "1" as one trusted hop, not as the address 0.0.0.1: each client behind the proxy counts apart', async () => {
    // The proxy appends the address it saw; what the client wrote before it is not believed.
    for (const spoofed of ['6.6.6.6', '6.6.6.7', '6.6.6.8'])
      assert.notEqual((await postFrom(behindOneProxy, `${spoofed}, 203.0.113.9`)).status, 429);
    assert.equal((await postFrom(behindOneProxy, '6.6.6.9, 203.0.113.9')).status, 429);
    // Read as the address 0.0.0.1, the loopback peer would not be trusted and every client would be 127.0.0.1,
    // sharing one spent budget: this second client would be refused too.
    assert.notEqual((await postFrom(behindOneProxy, '6.6.6.6, 198.51.100.7')).status, 429);
  });
});
