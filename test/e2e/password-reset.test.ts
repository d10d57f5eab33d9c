import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { temporal } from '@temporalio/proto';
import { agentCodecKeys } from '../../common/temporal/codec-keys';
import { EncryptionCodec, refusalOf } from '../../common/temporal/encryption-codec';
import { startSambaDc, type SambaDc } from '../support/samba';
import { decodeHistoryPayloads, rawHistories } from '../support/secret-search';
import { enrolledDirectoryUser, passwordTextedTo, startTestAgent, type Tenant } from '../support/reset-setup';
import { apiClient } from '../support/http';
import { createTenant, startTestStack, type TestStack } from '../support/stack';
import type { RunningAgent } from '../../agent/agent';
import { makePasswordResetWorkflowId } from '../../common/domain/workflow-ids';

describe('password reset through the agent against a real Samba AD', () => {
  let dc: SambaDc;
  let stack: TestStack;
  let tenant: Tenant;
  let agent: RunningAgent;

  before(async () => {
    dc = await startSambaDc();
    stack = await startTestStack();
    tenant = await createTenant(stack, 'Reset MSP');
    agent = await startTestAgent(stack, tenant, dc);
  });
  after(async () => {
    await agent?.stop();
    await stack?.stop();
    await dc?.stop();
  });

  const seenMessages = () => new Set(stack.outbox.list().map((m) => m.id));

  it('resets on a technician request, texts exactly the password that was set, and tells the owner', async () => {
    const user = await enrolledDirectoryUser(stack, tenant, dc);
    const seen = seenMessages();
    const reset = await user.api('POST', `/clients/${tenant.clientId}/users/${user.userId}/reset-password`);
    assert.equal(reset.status, 200, JSON.stringify(reset.body));
    assert.equal(reset.body.status, 'completed');
    assert.doesNotMatch(JSON.stringify(reset.body), /password/i, 'the API never returns the password');
    const password = await passwordTextedTo(stack, user.phone, seen);
    assert.ok(!JSON.stringify(reset.body).includes(password));
    assert.equal(password.length, 12);
    // Must change at next logon is on by default: AD answers "data 773" only when the password itself is right.
    await assert.rejects(dc.bind(user.upn, password), /data 773/);
    await assert.rejects(dc.bind(user.upn, user.initialPassword), /data 52e/);
    const notice = await stack.outbox.waitFor(
      (m) => m.to === user.email && /password was reset/i.test(m.subject ?? ''),
    );
    assert.ok(!notice.text.includes(password), 'the notice email does not carry the password');
    const audit = await user.api('GET', `/audit-events?userId=${user.userId}&limit=200`);
    const actions = audit.body.items.map(
      (e: { action: string; actor: string }) => `${e.action}:${e.actor.split(':')[0]}`,
    );
    assert.ok(actions.includes('reset.requested:api-key'), actions.join(','));
    assert.ok(actions.includes('reset.completed:system'));
    const history = await user.api('GET', `/clients/${tenant.clientId}/password-resets`);
    assert.ok(
      history.body.items.some(
        (r: { userId: string; status: string }) => r.userId === user.userId && r.status === 'completed',
      ),
    );
  });

  it("follows the client's policy: length, no forced change, and unlock on reset", async () => {
    await stack.runtime.stores.tenants.updateSettings(tenant.clientId, {
      requireSmsPin: false,
      passwordLength: 16,
      mustChangeAtNextLogon: false,
    });
    try {
      const user = await enrolledDirectoryUser(stack, tenant, dc);
      for (let i = 0; i < 3; i++) await assert.rejects(dc.bind(user.upn, 'Wrong#Password1'));
      await assert.rejects(dc.bind(user.upn, user.initialPassword), /data 775/, 'the account is locked');
      const seen = seenMessages();
      const reset = await user.api('POST', `/clients/${tenant.clientId}/users/${user.userId}/reset-password`);
      assert.equal(reset.body.status, 'completed');
      assert.equal(reset.body.unlocked, true);
      const password = await passwordTextedTo(stack, user.phone, seen);
      assert.equal(password.length, 16);
      await dc.bind(user.upn, password);
    } finally {
      await stack.runtime.stores.tenants.updateSettings(tenant.clientId, { requireSmsPin: false });
    }
  });

  it('joins a reset already running instead of setting a second password', async () => {
    const user = await enrolledDirectoryUser(stack, tenant, dc);
    const seen = seenMessages();
    const [first, second] = await Promise.all([
      user.api('POST', `/clients/${tenant.clientId}/users/${user.userId}/reset-password`),
      user.api('POST', `/clients/${tenant.clientId}/users/${user.userId}/reset-password`),
    ]);
    assert.equal(first.body.resetId, second.body.resetId);
    // Both answers came after the workflow finished, so every text it sends is already in the outbox.
    await passwordTextedTo(stack, user.phone, seen);
    assert.equal(
      stack.outbox.list({ to: user.phone }).filter((m) => !seen.has(m.id) && /temporary password/.test(m.text)).length,
      1,
    );
  });

  it('refuses a protected account with a clear reason, writes nothing, and audits it', async () => {
    const user = await enrolledDirectoryUser(stack, tenant, dc, { adminCount: true });
    const seen = seenMessages();
    const reset = await user.api('POST', `/clients/${tenant.clientId}/users/${user.userId}/reset-password`);
    assert.equal(reset.status, 502);
    assert.equal(reset.body.status, 'failed');
    assert.equal(reset.body.code, 'protected_account');
    const sms = await stack.outbox.waitFor(
      (m) => m.to === user.phone && !seen.has(m.id) && /could not reset/.test(m.text),
    );
    assert.match(sms.text, /protected/i);
    await dc.bind(user.upn, user.initialPassword);
    const audit = await stack.database.db('audit_events').where({ user_id: user.userId, action: 'reset.failed' });
    assert.equal(audit.length, 1);
  });

  it('stops after the hourly limit and audits the refusal', async () => {
    await stack.runtime.stores.tenants.updateSettings(tenant.clientId, { requireSmsPin: false, resetsPerHour: 2 });
    try {
      const user = await enrolledDirectoryUser(stack, tenant, dc);
      const statuses = [];
      for (let i = 0; i < 3; i++)
        statuses.push(
          (await user.api('POST', `/clients/${tenant.clientId}/users/${user.userId}/reset-password`)).body.status,
        );
      assert.deepEqual(statuses, ['completed', 'completed', 'refused']);
      const refused = await stack.database.db('audit_events').where({ user_id: user.userId, action: 'reset.refused' });
      assert.equal(refused.length, 1);
    } finally {
      await stack.runtime.stores.tenants.updateSettings(tenant.clientId, { requireSmsPin: false });
    }
  });

  it("refuses a reset once the client's daily text ceiling is spent: a clear answer, no password set", async () => {
    const user = await enrolledDirectoryUser(stack, tenant, dc);
    // The enrollment's own code text has spent the day's one text.
    await stack.runtime.stores.tenants.updateSettings(tenant.clientId, { requireSmsPin: false, smsPerDay: 1 });
    try {
      const reset = await user.api('POST', `/clients/${tenant.clientId}/users/${user.userId}/reset-password`);
      assert.equal(reset.status, 429, JSON.stringify(reset.body));
      assert.equal(reset.body.status, 'failed');
      assert.equal(reset.body.code, 'sms_daily_limit_reached');
      assert.match(reset.body.userMessage, /text/i);
      await dc.bind(user.upn, user.initialPassword);
    } finally {
      await stack.runtime.stores.tenants.updateSettings(tenant.clientId, { requireSmsPin: false });
    }
  });

  it('refuses a user who is not enrolled, before starting anything', async () => {
    const created = await stack.runtime.stores.users.insertMany(tenant.clientId, [
      { username: 'never-enrolled', email: 'ne@example.com' },
    ]);
    assert.ok('created' in created);
    const reset = await apiClient(stack.url, tenant.apiKey)(
      'POST',
      `/clients/${tenant.clientId}/users/${created.created[0]!.id}/reset-password`,
    );
    assert.equal(reset.status, 409);
    assert.match(reset.body.error.message, /not enrolled/);
  });

  it('cuts off a revoked agent credential, and tells an agent only about its own client', async () => {
    const api = apiClient(stack.url, tenant.apiKey);
    const issued = await api('POST', `/clients/${tenant.clientId}/agents`, { name: 'to revoke' });
    const config = await fetch(`${stack.url}/agent/v1/config`, {
      headers: { authorization: `Bearer ${issued.body.token}` },
    });
    assert.equal(config.status, 200);
    const settings = (await config.json()) as {
      clientId: string;
      temporal: { taskQueue: string };
      clientKeys: { current: number; generations: { generation: number }[] };
    };
    assert.equal(settings.clientId, tenant.clientId);
    assert.equal(settings.clientKeys.generations[0]!.generation, settings.clientKeys.current);
    assert.ok(settings.temporal.taskQueue.endsWith(tenant.clientId));
    const revoked = await api('POST', `/clients/${tenant.clientId}/agents/${issued.body.id}/revoke`);
    assert.equal(revoked.body.status, 'revoked');
    const after = await fetch(`${stack.url}/agent/v1/config`, {
      headers: { authorization: `Bearer ${issued.body.token}` },
    });
    assert.equal(after.status, 401);
    const heartbeat = await fetch(`${stack.url}/agent/v1/heartbeat`, {
      method: 'POST',
      headers: { authorization: `Bearer ${issued.body.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ version: '1', hostname: 'x' }),
    });
    assert.equal(heartbeat.status, 401);
    const audit = await stack.database
      .db('audit_events')
      .where({ client_id: tenant.clientId })
      .whereIn('action', ['agent.created', 'agent.revoked']);
    assert.ok(audit.some((e: { action: string }) => e.action === 'agent.revoked'));
  });

  it("shows the agent's health, and seals each client's resets with that client's own key", async () => {
    const agents = await apiClient(stack.url, tenant.apiKey)('GET', `/clients/${tenant.clientId}/agents`);
    const online = agents.body.items.find((a: { id: string }) => a.id === agent.agentId);
    assert.equal(online.status, 'online');
    assert.equal(online.version, '0.1.0');
    assert.ok(online.lastSeenAt);

    const user = await enrolledDirectoryUser(stack, tenant, dc);
    assert.equal(
      (await user.api('POST', `/clients/${tenant.clientId}/users/${user.userId}/reset-password`)).body.status,
      'completed',
    );
    const histories = await rawHistories(stack.runtime.temporal, stack.runtime.taskQueue);
    const toAgentWorkflowId = makePasswordResetWorkflowId(tenant.clientId, user.userId);
    const toAgent = histories
      .filter((h) => h.workflowId === toAgentWorkflowId)
      .flatMap((h) => temporal.api.history.v1.History.decode(h.bytes).events)
      .find((e) => e.nexusOperationScheduledEventAttributes?.operation === 'resetPassword');
    assert.ok(toAgent, 'a reset history with a directory step (a Nexus operation to the agent) exists');
    assert.equal(toAgent.nexusOperationScheduledEventAttributes!.endpoint, `latchkey-agent-${tenant.clientId}`);
    const payload = toAgent.nexusOperationScheduledEventAttributes!.input!;
    const asPayload = { metadata: payload.metadata ?? {}, data: payload.data ?? undefined };
    const { generation, secret } = await stack.runtime.stores.clientKeys.current(tenant.clientId);
    assert.equal(
      Buffer.from(asPayload.metadata['encryption-key-id']!).toString(),
      `client.${tenant.clientId}.${generation}`,
    );
    const context = { type: 'workflow' as const, namespace: stack.runtime.namespace, workflowId: toAgentWorkflowId };
    const agentWith = (clientId: string, key: Buffer) =>
      new EncryptionCodec(
        agentCodecKeys(clientId, { newest: () => ({ generation, secret: key }), get: async () => key }),
      );
    const [decoded] = await agentWith(tenant.clientId, secret).decode([asPayload], context);
    // The agent's Nexus worker decodes it without any context (the SDK passes none to a Nexus handler): only as a
    // payload sealed for one of its client's workflows in the central namespace.
    const handlerCodec = (clientId: string, key: Buffer, namespace = stack.runtime.namespace) =>
      new EncryptionCodec(
        agentCodecKeys(clientId, { newest: () => ({ generation, secret: key }), get: async () => key }),
        { nexusHandler: { namespace, endpoint: `latchkey-agent-${clientId}` } },
      );
    const [asHandler] = await handlerCodec(tenant.clientId, secret).decode([asPayload]);
    assert.deepEqual(asHandler, decoded);
    assert.match(
      refusalOf((await handlerCodec(tenant.clientId, secret, 'elsewhere').decode([asPayload]))[0]!)!,
      /not sealed for a workflow of elsewhere/,
    );
    assert.ok(Buffer.from(decoded!.data!).toString().includes(`\\"account\\":\\"${user.username}\\"`));
    // Another client's secret fails even when presented as this client's generation: the cipher refuses it.
    const other = await createTenant(stack, 'Other MSP');
    const otherSecret = (await stack.runtime.stores.clientKeys.current(other.clientId)).secret;
    const refusal = async (codec: EncryptionCodec) => refusalOf((await codec.decode([asPayload], context))[0]!);
    assert.match((await refusal(agentWith(tenant.clientId, otherSecret)))!, /does not authenticate/);
    // And that client's own agent holds no key for this client's payloads at all.
    assert.match((await refusal(agentWith(other.clientId, otherSecret)))!, /No codec key with id "client\./);
    assert.match(
      refusalOf((await handlerCodec(other.clientId, otherSecret).decode([asPayload]))[0]!)!,
      /No codec key with id "client\./,
    );
    // The central process can read it, with the generation from the database.
    const central = await decodeHistoryPayloads(stack, toAgentWorkflowId, [asPayload]);
    assert.ok(central.includes(`\\"account\\":\\"${user.username}\\"`));
  });

  it('keeps resetting after a key rotation, without restarting the agent: it fetches the new generation', async () => {
    const rotated = await apiClient(stack.url, tenant.apiKey)('POST', `/clients/${tenant.clientId}/rotate-keys`);
    assert.equal(rotated.status, 200);
    const user = await enrolledDirectoryUser(stack, tenant, dc);
    const seen = seenMessages();
    const reset = await user.api('POST', `/clients/${tenant.clientId}/users/${user.userId}/reset-password`);
    assert.equal(reset.body.status, 'completed', JSON.stringify(reset.body));
    await dc
      .bind(user.upn, await passwordTextedTo(stack, user.phone, seen))
      .catch((error: Error) => assert.match(error.message, /data 773/, 'the texted password is the one that was set'));
    const history = await stack.runtime.temporal.workflow
      .getHandle(makePasswordResetWorkflowId(tenant.clientId, user.userId))
      .fetchHistory();
    const scheduled = history.events!.find((e) => e.nexusOperationScheduledEventAttributes)!;
    const keyId = scheduled.nexusOperationScheduledEventAttributes!.input!.metadata!['encryption-key-id']!;
    assert.equal(Buffer.from(keyId).toString(), `client.${tenant.clientId}.${rotated.body.generation}`);
  });
});
