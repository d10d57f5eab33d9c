import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { defaultPayloadConverter } from '@temporalio/common';
import { randomBytes, randomUUID } from 'node:crypto';
import { makeEnrollmentWorkflowId, makePasswordResetWorkflowId } from '../../common/domain/workflow-ids';
import { centralCodecKeys } from '../../common/temporal/codec-keys';
import { EncryptionCodec } from '../../common/temporal/encryption-codec';
import { apiClient } from '../../test/support/http';
import { createTenant, startTestStack, type TestStack } from '../../test/support/stack';
import { createTechnician, signInToConsole } from '../../test/support/technician';

type Wire = { metadata: Record<string, string>; data: string };
const toWire = (p: { metadata?: Record<string, Uint8Array> | null; data?: Uint8Array | null }): Wire => ({
  metadata: Object.fromEntries(
    Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v).toString('base64')]),
  ),
  data: Buffer.from(p.data ?? []).toString('base64'),
});
const textOf = (payload: { data: string }) => Buffer.from(payload.data, 'base64').toString();

const LOGIN_FAILURES = 4;

describe('codec endpoint for the Temporal Web UI', () => {
  let stack: TestStack;
  let codec: EncryptionCodec;
  let wire: Wire;
  const wireWorkflow = makeEnrollmentWorkflowId(randomUUID());
  const seal = async (value: unknown, workflowId?: string) => {
    const context = workflowId
      ? { type: 'workflow' as const, namespace: stack.runtime.namespace, workflowId }
      : undefined;
    const [sealed] = await codec.encode([defaultPayloadConverter.toPayload(value)], context);
    return toWire(sealed!);
  };
  before(async () => {
    stack = await startTestStack({
      env: {
        LATCHKEY_CODEC_ADMIN_TOKEN: randomBytes(24).toString('base64url'),
        LATCHKEY_CODEC_LOGIN_FAILURES_PER_HOUR: String(LOGIN_FAILURES),
      },
    });
    // Sealed as the central worker seals an enrollment's payloads: bound to that workflow, which the Web UI does
    // not tell the endpoint (it sends only X-Namespace).
    codec = new EncryptionCodec(centralCodecKeys(stack.config.codecKeys, stack.runtime.stores.clientKeys));
    wire = await seal({ phone: '+14155552671' }, wireWorkflow);
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
  const decoded = async (headers: Record<string, string>, payloads: unknown[]) => {
    const response = await decode(headers, payloads);
    assert.equal(response.status, 200);
    return ((await response.json()) as { payloads: Wire[] }).payloads;
  };
  const admin = () => ({ authorization: `Bearer ${stack.config.codecAdminToken}` });
  /** A technician's console cookie, as the Web UI's browser sends it with each decode. */
  const consoleCookie = async (mspId: string, role: 'admin' | 'helpdesk' | 'read_only') => {
    const technician = await createTechnician(stack, mspId, role);
    const browser = await signInToConsole(stack, technician);
    return { technician, browser, cookie: `lk_console=${browser.cookie('lk_console')}` };
  };
  /** A user of a new MSP, and a payload sealed for their enrollment as the worker seals it. */
  const userOfNewMsp = async (name: string, phone: string) => {
    const tenant = await createTenant(stack, name);
    const user = await apiClient(stack.url, tenant.apiKey)('POST', `/clients/${tenant.clientId}/users`, {
      username: `u${randomUUID().slice(0, 6)}`,
      email: `${randomUUID().slice(0, 6)}@example.com`,
    });
    assert.equal(user.status, 201);
    const userId = (user.body as { id: string }).id;
    const workflowId = makeEnrollmentWorkflowId(userId);
    return { tenant, userId, workflowId, payload: await seal({ phone }, workflowId) };
  };

  it('refuses to decode without a console sign-in or the admin token', async () => {
    const response = await decode({});
    assert.equal(response.status, 401);
    assert.match(((await response.json()) as { error: { message: string } }).error.message, /console/);
    assert.equal((await decode({ authorization: 'Bearer wrong-token-wrong-token-wrong' })).status, 401);
    // The shared admin token has no browser sign-in any more: the CLI's Bearer header is its one use.
    assert.equal((await fetch(`${stack.url}/codec/login`)).status, 404);
  });

  it('decodes for a caller with the token, as the temporal CLI sends it', async () => {
    const [payload] = await decoded(admin(), [wire]);
    assert.match(textOf(payload!), /\+14155552671/);
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

  it('allows the Web UI origin by CORS with credentials, and no other origin', async () => {
    const preflight = await fetch(`${stack.url}/codec/decode`, {
      method: 'OPTIONS',
      headers: { origin: new URL(stack.config.temporal.uiUrl).origin },
    });
    assert.equal(preflight.status, 204);
    assert.equal(preflight.headers.get('access-control-allow-credentials'), 'true');
    assert.equal(preflight.headers.get('access-control-allow-origin'), new URL(stack.config.temporal.uiUrl).origin);
    const foreign = await fetch(`${stack.url}/codec/decode`, {
      method: 'OPTIONS',
      headers: { origin: 'https://evil.example' },
    });
    assert.equal(foreign.headers.get('access-control-allow-origin'), null);
  });

  it("opens a technician's own MSP's workflows with their console sign-in, for the admin and helpdesk roles", async () => {
    const acme = await userOfNewMsp('Codec Acme', '+14155550101');
    const reset = await seal({ step: 'directory' }, makePasswordResetWorkflowId(acme.tenant.clientId, acme.userId));
    for (const role of ['admin', 'helpdesk'] as const) {
      const { cookie } = await consoleCookie(acme.tenant.mspId, role);
      const [enrollment, resetStep] = await decoded({ cookie }, [acme.payload, reset]);
      assert.match(textOf(enrollment!), /\+14155550101/, role);
      assert.match(textOf(resetStep!), /directory/, role);
    }
    // Signed out, the same cookie opens nothing.
    const { browser, cookie } = await consoleCookie(acme.tenant.mspId, 'helpdesk');
    await browser.get('/console');
    await browser.post('/console/sign-out', {});
    assert.equal((await decode({ cookie }, [acme.payload])).status, 401);
  });

  it('refuses a read-only technician with a 403 that names the roles', async () => {
    const acme = await userOfNewMsp('Codec Read-only', '+14155550102');
    const { cookie } = await consoleCookie(acme.tenant.mspId, 'read_only');
    const response = await decode({ cookie }, [acme.payload]);
    assert.equal(response.status, 403);
    assert.match(
      ((await response.json()) as { error: { message: string } }).error.message,
      /admin or helpdesk role may read decoded workflows/,
    );
  });

  it("cannot open another MSP's workflows, or the instance's own payloads, with a technician's sign-in", async () => {
    const acme = await userOfNewMsp('Codec Mine', '+14155550103');
    const globex = await userOfNewMsp('Codec Theirs', '+14155550104');
    const instance = await seal({ failure: 'no workflow' });
    const { cookie } = await consoleCookie(acme.tenant.mspId, 'admin');
    // Theirs, the instance's and a stranger's come back exactly as sent: still sealed, never opened.
    const [mine, theirs, ours, stranger] = await decoded({ cookie }, [acme.payload, globex.payload, instance, wire]);
    assert.match(textOf(mine!), /\+14155550103/);
    assert.deepEqual(theirs, globex.payload);
    assert.deepEqual(ours, instance);
    assert.deepEqual(stranger, wire);
    // Another MSP's payload relabelled as one of one's own workflows: the AAD refuses it (400), nothing opens.
    const relabelled = {
      ...globex.payload,
      metadata: { ...globex.payload.metadata, 'encryption-workflow-id': btoa(acme.workflowId) },
    };
    const refused = await decode({ cookie }, [relabelled]);
    assert.equal(refused.status, 400);
    assert.doesNotMatch(await refused.text(), /4155550104/);
    // The operator's token opens all of them.
    const [, theirsForAdmin, oursForAdmin] = await decoded(admin(), [acme.payload, globex.payload, instance]);
    assert.match(textOf(theirsForAdmin!), /\+14155550104/);
    assert.match(textOf(oursForAdmin!), /no workflow/);
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

  it('throttles wrong Bearer tokens per address, then refuses even the right one', async () => {
    const wrong = 'wrong-token-wrong-token-wrong';
    for (let i = 0; i < LOGIN_FAILURES; i++)
      assert.equal((await decode({ authorization: `Bearer ${wrong}`, 'x-forwarded-for': '192.0.2.10' })).status, 401);
    const spent = await decode({ ...admin(), 'x-forwarded-for': '192.0.2.10' });
    assert.equal(spent.status, 429);
    assert.ok(Number(spent.headers.get('retry-after')) > 0);
    assert.equal((await decode({ ...admin(), 'x-forwarded-for': '192.0.2.11' })).status, 200);
    // An IPv6 guesser counts by its /64.
    for (let i = 0; i < LOGIN_FAILURES; i++)
      assert.equal(
        (await decode({ authorization: `Bearer ${wrong}`, 'x-forwarded-for': `2001:db8:c0de:1::${i + 1}` })).status,
        401,
      );
    assert.equal((await decode({ ...admin(), 'x-forwarded-for': '2001:db8:c0de:1::99' })).status, 429);
    assert.equal((await decode({ ...admin(), 'x-forwarded-for': '2001:db8:c0de:2::1' })).status, 200);
  });

  it("audits who decoded which workflow under the technician's name, once per page view, never what the payloads held", async () => {
    const db = stack.database.db;
    const acme = await userOfNewMsp('Codec Audit', '+14155550123');
    const { technician, cookie } = await consoleCookie(acme.tenant.mspId, 'helpdesk');
    const actor = `technician:${technician.id}`;
    const other = await seal({ step: 'other' }, makePasswordResetWorkflowId(acme.tenant.clientId, acme.userId));
    // The Web UI opens a history with a burst of requests at once.
    const responses = await Promise.all(
      Array.from({ length: 8 }, () => decode({ cookie }, [acme.payload, acme.payload, other, wire])),
    );
    for (const response of responses) assert.equal(response.status, 200);

    const rows = await db('audit_events').where({ action: 'codec.decoded', actor }).orderBy('id');
    const resetWorkflow = makePasswordResetWorkflowId(acme.tenant.clientId, acme.userId);
    // The stranger's payload was not opened, so it is not recorded as read.
    assert.deepEqual(rows.map((row) => row.detail.workflowId).sort(), [acme.workflowId, resetWorkflow].sort());
    for (const row of rows) {
      assert.equal(row.msp_id, acme.tenant.mspId);
      assert.equal(row.client_id, acme.tenant.clientId);
      assert.equal(row.user_id, acme.userId);
      assert.equal(row.detail.namespace, stack.runtime.namespace);
      assert.equal(row.detail.address, '127.0.0.1');
    }
    assert.doesNotMatch(JSON.stringify(rows), /4155550123|14155552671/);
    // The MSP sees it in its own log, through the API, under the technician's name.
    const listed = await apiClient(stack.url, acme.tenant.apiKey)(
      'GET',
      `/audit-events?userId=${acme.userId}&action=codec.decoded`,
    );
    assert.deepEqual(
      (listed.body as { items: { actor: string }[] }).items.map((item) => item.actor),
      [actor, actor],
    );

    // The CLI's Bearer token is another actor, audited apart; a workflow that names no user has no MSP.
    assert.equal((await decode(admin(), [acme.payload, wire])).status, 200);
    const byToken = await db('audit_events').where({ action: 'codec.decoded', actor: 'codec-token' });
    assert.ok(byToken.some((row) => row.detail.workflowId === acme.workflowId && row.msp_id === acme.tenant.mspId));
    assert.equal(byToken.find((row) => row.detail.workflowId === wireWorkflow)!.msp_id, null);
  });
});
