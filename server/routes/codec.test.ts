import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { defaultPayloadConverter } from '@temporalio/common';
import { randomUUID } from 'node:crypto';
import { makeEnrollmentWorkflowId } from '../../common/domain/workflow-ids';
import { centralCodecKeys } from '../../common/temporal/codec-keys';
import { EncryptionCodec } from '../../common/temporal/encryption-codec';
import { startTestStack, type TestStack } from '../../test/support/stack';

const toWire = (p: { metadata?: Record<string, Uint8Array> | null; data?: Uint8Array | null }) => ({
  metadata: Object.fromEntries(
    Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v).toString('base64')]),
  ),
  data: Buffer.from(p.data ?? []).toString('base64'),
});

describe('codec endpoint for the Temporal Web UI', () => {
  let stack: TestStack;
  let wire: { metadata: Record<string, string>; data: string };
  before(async () => {
    stack = await startTestStack();
    // Sealed as the central worker seals an enrollment's payloads: bound to that workflow, which the Web UI does
    // not tell the endpoint (it sends only X-Namespace).
    const codec = new EncryptionCodec(centralCodecKeys(stack.config.codecKeys, stack.runtime.stores.clientKeys));
    const [sealed] = await codec.encode([defaultPayloadConverter.toPayload({ phone: '+14155552671' })], {
      type: 'workflow',
      namespace: stack.runtime.namespace,
      workflowId: makeEnrollmentWorkflowId(randomUUID()),
    });
    wire = toWire(sealed!);
  });
  after(async () => {
    await stack?.stop();
  });

  const decode = (headers: Record<string, string>, payloads: unknown[] = [wire], path = 'decode') =>
    fetch(`${stack.url}/codec/${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-namespace': stack.runtime.namespace, ...headers },
      body: JSON.stringify({ payloads }),
    });
  const admin = () => ({ authorization: `Bearer ${stack.config.codecAdminToken}` });

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

  it('only decodes: there is no encode, and what it did not seal it refuses with a 400', async () => {
    const encode = await decode(admin(), [toWire(defaultPayloadConverter.toPayload('forged'))], 'encode');
    assert.equal(encode.status, 404);
    const plain = await decode(admin(), [toWire(defaultPayloadConverter.toPayload('plain'))]);
    assert.equal(plain.status, 400);
    assert.match(((await plain.json()) as { error: { message: string } }).error.message, /not encrypted/);
    const otherNamespace = await decode({ ...admin(), 'x-namespace': 'elsewhere' });
    assert.equal(otherNamespace.status, 400);
    const rebound = { ...wire, metadata: { ...wire.metadata, 'encryption-workflow-id': btoa('enrollment-other') } };
    assert.equal((await decode(admin(), [rebound])).status, 400);
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
