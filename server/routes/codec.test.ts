import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { defaultPayloadConverter } from '@temporalio/common';
import { randomBytes, randomUUID } from 'node:crypto';
import { makeEnrollmentWorkflowId } from '../../common/domain/workflow-ids';
import { centralCodecKeys } from '../../common/temporal/codec-keys';
import { EncryptionCodec } from '../../common/temporal/encryption-codec';
import { apiClient } from '../../test/support/http';
import { createTenant, key32, startTestStack, type TestStack } from '../../test/support/stack';

const toWire = (p: { metadata?: Record<string, Uint8Array> | null; data?: Uint8Array | null }) => ({
  metadata: Object.fromEntries(
    Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v).toString('base64')]),
  ),
  data: Buffer.from(p.data ?? []).toString('base64'),
});

const LOGIN_FAILURES = 4;
const SHORT_TTL_MS = 3_000;
const ROTATED_TOKEN = randomBytes(24).toString('base64url');

describe('codec endpoint for the Temporal Web UI', () => {
  let stack: TestStack;
  /** API replicas beside it on the same database and master key: one with a short sign-in, one with a new token. */
  let shortLived: TestStack;
  let rotated: TestStack;
  let codec: EncryptionCodec;
  let wire: { metadata: Record<string, string>; data: string };
  const wireWorkflow = makeEnrollmentWorkflowId(randomUUID());
  const seal = async (value: unknown, workflowId: string) => {
    const [sealed] = await codec.encode([defaultPayloadConverter.toPayload(value)], {
      type: 'workflow',
      namespace: stack.runtime.namespace,
      workflowId,
    });
    return toWire(sealed!);
  };
  before(async () => {
    const shared = {
      LATCHKEY_MASTER_KEY: key32(),
      LATCHKEY_CODEC_KEYS: `test1:${key32()}`,
      LATCHKEY_CODEC_ADMIN_TOKEN: randomBytes(24).toString('base64url'),
      LATCHKEY_CODEC_LOGIN_FAILURES_PER_HOUR: String(LOGIN_FAILURES),
    };
    stack = await startTestStack({ env: shared });
    const beside = (env: Record<string, string>) =>
      startTestStack({ role: 'api', database: stack.database, env: { ...shared, ...env } });
    shortLived = await beside({ LATCHKEY_CODEC_SESSION_TTL: `${SHORT_TTL_MS}ms` });
    rotated = await beside({ LATCHKEY_CODEC_ADMIN_TOKEN: ROTATED_TOKEN });
    // Sealed as the central worker seals an enrollment's payloads: bound to that workflow, which the Web UI does
    // not tell the endpoint (it sends only X-Namespace).
    codec = new EncryptionCodec(centralCodecKeys(stack.config.codecKeys, stack.runtime.stores.clientKeys));
    wire = await seal({ phone: '+14155552671' }, wireWorkflow);
  });
  after(async () => {
    await rotated?.stop();
    await shortLived?.stop();
    await stack?.stop();
  });

  const decode = (headers: Record<string, string>, payloads: unknown[] = [wire], path = 'decode', base = stack.url) =>
    fetch(`${base}/codec/${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-namespace': stack.runtime.namespace, ...headers },
      body: JSON.stringify({ payloads }),
    });
  const admin = () => ({ authorization: `Bearer ${stack.config.codecAdminToken}` });
  /** Signs in at /codec/login as an admin's browser does; returns the cookie to send back. */
  const signIn = async (base: string, token = stack.config.codecAdminToken!) => {
    const login = await fetch(`${base}/codec/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token }).toString(),
    });
    assert.equal(login.status, 200);
    return login.headers.getSetCookie()[0]!.split(';')[0]!;
  };

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
    // Its id and issue time kept, only the signature forged: a cookie of the right shape, which the signature refuses.
    const [id, issuedAt] = cookie.split('.');
    assert.equal((await decode({ cookie: `${id}.${issuedAt}.forged` })).status, 401);
  });

  it('authenticates before it reads a body: an anonymous 9 MB or malformed body is a 401, not a 413 or a 400', async () => {
    for (const path of ['decode', 'encode']) {
      for (const body of ['{"payloads": [', `{"payloads": ["${'x'.repeat(9 * 1024 * 1024)}"]}`]) {
        const response = await fetch(`${stack.url}/codec/${path}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-namespace': stack.runtime.namespace },
          body,
        });
        assert.equal(response.status, 401, `${path}, ${body.length} bytes`);
        assert.equal(((await response.json()) as { error: { code: string } }).error.code, 'unauthenticated');
      }
    }
    // The same bodies from an admin are read, and refused for what they are.
    const malformed = await fetch(`${stack.url}/codec/decode`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...admin() },
      body: '{"payloads": [',
    });
    assert.equal(malformed.status, 400);
  });

  it('throttles wrong tokens per address, at /codec/login and as a Bearer header, then refuses even the right one', async () => {
    const login = (address: string, token: string) =>
      fetch(`${stack.url}/codec/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-forwarded-for': address },
        body: new URLSearchParams({ token }).toString(),
      });
    const wrong = 'wrong-token-wrong-token-wrong';
    for (let i = 0; i < LOGIN_FAILURES; i++) {
      const refused = await login('192.0.2.10', wrong);
      assert.equal(refused.status, 401);
      assert.match(await refused.text(), /That codec admin token is not right/);
    }
    const spent = await login('192.0.2.10', wrong);
    assert.equal(spent.status, 429);
    assert.ok(Number(spent.headers.get('retry-after')) > 0);
    // A browser's form post: the answer is the form again, with the reason.
    assert.match(spent.headers.get('content-type') ?? '', /html/);
    assert.match(await spent.text(), /Too many wrong codec admin tokens from your address; try again in \d+ seconds/);
    // Spent means spent: the right token from that address is not even compared, so it cannot be confirmed.
    assert.equal((await login('192.0.2.10', stack.config.codecAdminToken!)).status, 429);
    assert.equal((await login('192.0.2.11', stack.config.codecAdminToken!)).status, 200);

    // Guessing through the Bearer header instead counts the same way; an IPv6 guesser counts by its /64.
    for (let i = 0; i < LOGIN_FAILURES; i++)
      assert.equal(
        (await decode({ authorization: `Bearer ${wrong}`, 'x-forwarded-for': `2001:db8:c0de:1::${i + 1}` })).status,
        401,
      );
    assert.equal((await decode({ ...admin(), 'x-forwarded-for': '2001:db8:c0de:1::99' })).status, 429);
    assert.equal((await decode({ ...admin(), 'x-forwarded-for': '2001:db8:c0de:2::1' })).status, 200);
  });

  it('ends a sign-in on the server when its lifetime is up, whatever the browser keeps', async () => {
    const cookie = await signIn(stack.url);
    assert.equal((await decode({ cookie })).status, 200);
    // A replica with a shorter lifetime: sessions need no shared state, and the lifetime is the server's, now.
    assert.equal((await decode({ cookie }, [wire], 'decode', shortLived.url)).status, 200);
    await new Promise((resolve) => setTimeout(resolve, SHORT_TTL_MS + 300));
    const expired = await decode({ cookie }, [wire], 'decode', shortLived.url);
    assert.equal(expired.status, 401);
    assert.match(((await expired.json()) as { error: { message: string } }).error.message, /lifetime/);
    // Editing the issue time breaks the signature.
    const [id, , signature] = cookie.split('=')[1]!.split('.');
    assert.equal((await decode({ cookie: `lk_codec=${id}.${Date.now()}.${signature}` })).status, 401);
  });

  it('ends every sign-in when the admin token is rotated', async () => {
    const cookie = await signIn(stack.url);
    assert.equal((await decode({ cookie })).status, 200);
    // The same database and master key, restarted with a new LATCHKEY_CODEC_ADMIN_TOKEN.
    assert.equal((await decode({ cookie }, [wire], 'decode', rotated.url)).status, 401);
    assert.equal((await decode(admin(), [wire], 'decode', rotated.url)).status, 401);
    const fresh = await signIn(rotated.url, ROTATED_TOKEN);
    assert.equal((await decode({ cookie: fresh }, [wire], 'decode', rotated.url)).status, 200);
    assert.equal(
      (await decode({ authorization: `Bearer ${ROTATED_TOKEN}` }, [wire], 'decode', rotated.url)).status,
      200,
    );
  });

  it('audits each sign-in, and who decoded which workflow, once per page view, never what the payloads held', async () => {
    const db = stack.database.db;
    const cookie = await signIn(stack.url);
    const sessionId = cookie.split('=')[1]!.split('.')[0]!;
    const actor = `codec-session:${sessionId}`;
    const signedIn = await db('audit_events').where({ action: 'codec.signed_in', actor });
    assert.equal(signedIn.length, 1);
    assert.equal(signedIn[0].msp_id, null);

    // A real user's enrollment history, which the Web UI opens with a burst of requests at once.
    const tenant = await createTenant(stack, 'Codec MSP');
    const api = apiClient(stack.url, tenant.apiKey);
    const user = await api('POST', `/clients/${tenant.clientId}/users`, {
      username: 'cody',
      email: 'cody@example.com',
    });
    const userWorkflow = makeEnrollmentWorkflowId(user.body.id);
    const usersPayload = await seal({ phone: '+14155550123' }, userWorkflow);
    const responses = await Promise.all(
      Array.from({ length: 8 }, () => decode({ cookie }, [usersPayload, usersPayload, wire])),
    );
    for (const response of responses) assert.equal(response.status, 200);

    const rows = await db('audit_events').where({ action: 'codec.decoded', actor }).orderBy('id');
    assert.deepEqual(rows.map((row) => row.detail.workflowId).sort(), [userWorkflow, wireWorkflow].sort());
    const forUser = rows.find((row) => row.detail.workflowId === userWorkflow)!;
    assert.equal(forUser.user_id, user.body.id);
    assert.equal(forUser.client_id, tenant.clientId);
    assert.equal(forUser.msp_id, tenant.mspId);
    assert.equal(forUser.detail.namespace, stack.runtime.namespace);
    assert.equal(forUser.detail.address, '127.0.0.1');
    // The workflow names no user that exists: the row has no MSP.
    assert.equal(rows.find((row) => row.detail.workflowId === wireWorkflow)!.msp_id, null);
    assert.doesNotMatch(JSON.stringify(rows), /4155550123|14155552671/);
    // The user's MSP sees it in its own log, through the API.
    const listed = await api('GET', `/audit-events?userId=${user.body.id}&action=codec.decoded`);
    assert.equal(listed.body.items.length, 1);
    assert.equal(listed.body.items[0].actor, actor);

    // The CLI's Bearer token is another actor, audited apart.
    assert.equal((await decode(admin(), [usersPayload])).status, 200);
    const byToken = await db('audit_events').where({ action: 'codec.decoded', actor: 'codec-token' });
    assert.ok(byToken.some((row) => row.detail.workflowId === userWorkflow));
  });
});
