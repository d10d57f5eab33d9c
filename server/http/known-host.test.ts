import assert from 'node:assert/strict';
import { networkInterfaces } from 'node:os';
import { after, before, describe, it } from 'node:test';
import { rawRequest } from '../../test/support/http';
import { startTestStack, type TestStack } from '../../test/support/stack';

/** This machine's own address on its network, so that a request to it arrives from a peer that is not loopback. */
function networkAddress(): string {
  for (const addresses of Object.values(networkInterfaces())) {
    for (const address of addresses ?? []) if (address.family === 'IPv4' && !address.internal) return address.address;
  }
  throw new Error('this machine has no IPv4 address besides loopback');
}

const SECRET_TEXT = 'Your Latchkey code is 482913';

describe('the Host check: DNS rebinding gets a 421 (F9)', () => {
  let stack: TestStack;
  let port: string;
  before(async () => {
    stack = await startTestStack();
    port = new URL(stack.url).port;
    stack.outbox.add({ channel: 'sms', to: '+14155552671', from: '+15005550006', text: SECRET_TEXT });
  });
  after(async () => {
    await stack?.stop();
  });

  it('answers 421 to every route for a host that is not the public URL, as a rebinding page sends it', async () => {
    for (const host of [
      'rebind.evil.example',
      `rebind.evil.example:${port}`,
      'localhost.evil.example',
      '127.0.0.1.nip.io',
    ]) {
      for (const path of ['/outbox/messages.json', '/outbox', '/api/v1/openapi.json', '/enroll', '/codec/decode']) {
        const response = await rawRequest(`${stack.url}${path}`, { headers: { host } });
        assert.equal(response.status, 421, `${host} ${path}`);
        assert.ok(!response.body.includes('482913'), `${host} ${path} leaked the outbox`);
      }
    }
    const posted = await rawRequest(`${stack.url}/outbox/inbound`, {
      method: 'POST',
      headers: { host: 'rebind.evil.example', 'content-type': 'application/x-www-form-urlencoded' },
      body: 'from=%2B14155552671&body=RESET',
    });
    assert.equal(posted.status, 421);
    assert.equal(stack.outbox.list().length, 1, 'nothing was texted or filed');
  });

  it('serves the public host, and the loopback names this machine uses, on any port', async () => {
    for (const host of ['localhost', 'LOCALHOST', `localhost:${port}`, `127.0.0.1:${port}`, '[::1]:3000']) {
      const response = await rawRequest(`${stack.url}/outbox/messages.json`, { headers: { host } });
      assert.equal(response.status, 200, host);
      assert.match(response.body, /482913/);
    }
  });

  it('answers /healthz for any host, with nothing but the status', async () => {
    const response = await rawRequest(`${stack.url}/healthz`, { headers: { host: '10.1.2.3:3000' } });
    assert.equal(response.status, 200);
    assert.deepEqual(JSON.parse(response.body), { status: 'ok' });
  });
});

describe('the outbox on a socket that is not loopback (F9)', () => {
  let stack: TestStack;
  let port: string;
  before(async () => {
    // The default public URL with the usual container setting; the outbox chosen explicitly, as it must be there.
    stack = await startTestStack({
      env: { LATCHKEY_HTTP_HOST: '0.0.0.0', LATCHKEY_PUBLIC_URL: 'http://localhost:3000' },
    });
    port = new URL(stack.url).port;
    stack.outbox.add({ channel: 'sms', to: '+14155552671', from: '+15005550006', text: SECRET_TEXT });
  });
  after(async () => {
    await stack?.stop();
  });

  it('is not mounted when bound to 0.0.0.0 with the default public URL, even for a request from this machine', async () => {
    for (const [method, path] of [
      ['GET', '/outbox'],
      ['GET', '/outbox/messages.json'],
      ['GET', '/outbox/inbound'],
      ['POST', '/outbox/inbound'],
    ] as const) {
      for (const base of [`http://127.0.0.1:${port}`, `http://${networkAddress()}:${port}`]) {
        const response = await rawRequest(`${base}${path}`, {
          method,
          headers: { host: 'localhost:3000', 'content-type': 'application/x-www-form-urlencoded' },
          body: method === 'POST' ? 'from=%2B14155552671&body=RESET' : undefined,
        });
        assert.equal(response.status, 404, `${method} ${base}${path}`);
        assert.ok(!response.body.includes('482913'));
      }
    }
    assert.equal(stack.outbox.list().length, 1, 'nothing was texted or filed');
    assert.ok(
      stack.logs.some((line) =>
        line.includes('The outbox is not served: LATCHKEY_HTTP_HOST is not a loopback address'),
      ),
    );
  });

  it('refuses a loopback name from another machine: only the public host is served there', async () => {
    const remote = `http://${networkAddress()}:${port}/api/v1/openapi.json`;
    for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, '[::1]:3000', `${networkAddress()}:${port}`]) {
      assert.equal((await rawRequest(remote, { headers: { host } })).status, 421, host);
    }
    assert.equal((await rawRequest(remote, { headers: { host: 'localhost:3000' } })).status, 200);
  });
});
