import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { defaultPayloadConverter } from '@temporalio/common';
import { EncryptionCodec } from '../../common/temporal/encryption-codec';
import { startTestStack, type TestStack } from '../../test/support/stack';

describe('codec endpoint for the Temporal Web UI', () => {
  let stack: TestStack;
  let wire: { metadata: Record<string, string>; data: string };
  before(async () => {
    stack = await startTestStack();
    const [sealed] = await new EncryptionCodec(stack.config.codecKeys).encode([
      defaultPayloadConverter.toPayload({ phone: '+14155552671' }),
    ]);
    wire = {
      metadata: Object.fromEntries(
        Object.entries(sealed!.metadata!).map(([k, v]) => [k, Buffer.from(v).toString('base64')]),
      ),
      data: Buffer.from(sealed!.data!).toString('base64'),
    };
  });
  after(async () => {
    await stack?.stop();
  });

  const decode = (headers: Record<string, string>) =>
    fetch(`${stack.url}/codec/decode`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-namespace': 'latchkey', ...headers },
      body: JSON.stringify({ payloads: [wire] }),
    });

  it('refuses to decode without the admin token', async () => {
    const response = await decode({});
    assert.equal(response.status, 401);
    assert.equal((await decode({ authorization: 'Bearer wrong-token-wrong-token-wrong' })).status, 401);
  });

  it('decodes for a caller with the token, as the temporal CLI sends it', async () => {
    const response = await decode({ authorization: `Bearer ${stack.config.codecAdminToken}` });
    assert.equal(response.status, 200);
    const body = (await response.json()) as { payloads: { data: string }[] };
    assert.match(Buffer.from(body.payloads[0]!.data, 'base64').toString(), /\+14155552671/);
  });

  it('lets the Web UI in with a login cookie, and allows its origin by CORS', async () => {
    const preflight = await fetch(`${stack.url}/codec/decode`, {
      method: 'OPTIONS',
      headers: { origin: new URL(stack.config.temporal.uiUrl).origin },
    });
    assert.equal(preflight.status, 204);
    assert.equal(preflight.headers.get('access-control-allow-credentials'), 'true');
    const foreign = await fetch(`${stack.url}/codec/decode`, {
      method: 'OPTIONS',
      headers: { origin: 'https://evil.example' },
    });
    assert.equal(foreign.headers.get('access-control-allow-origin'), null);

    const login = await fetch(`${stack.url}/codec/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token: stack.config.codecAdminToken! }).toString(),
    });
    assert.equal(login.status, 200);
    const cookie = login.headers.getSetCookie()[0]!.split(';')[0]!;
    assert.equal((await decode({ cookie })).status, 200);
    assert.equal((await decode({ cookie: `${cookie.split('.')[0]}.forged` })).status, 401);
  });
});
