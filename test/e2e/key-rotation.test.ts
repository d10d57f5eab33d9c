import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Payload } from '@temporalio/common';
import { makePasswordResetWorkflowId } from '../../common/domain/workflow-ids';
import { agentCodecKeys } from '../../common/temporal/codec-keys';
import { EncryptionCodec, refusalOf } from '../../common/temporal/encryption-codec';
import { activateNewUser, reachCodeStep } from '../support/enrollment-flow';
import { apiClient } from '../support/http';
import { liveAgentHeartbeat } from '../support/reset-setup';
import { decodeHistoryPayloads } from '../support/secret-search';
import { createTenant, startTestStack, type TestStack } from '../support/stack';
import { connectAttacker, settledDump, type Attacker } from '../support/temporal-attacker';

type Tenant = Awaited<ReturnType<typeof createTenant>>;
interface AgentConfigBody {
  clientKeys: { current: number; generations: { generation: number; secret: string }[] };
}

/**
 * Issue 7 §6: each client's keys come in generations. Revoking an agent starts a new one, so the revoked agent's
 * secret opens nothing issued afterwards, while work sealed before the rotation still decrypts and finishes. Only
 * an MSP-wide key may mint agents or rotate keys. No Samba here: no agent runs, so a reset waits for its directory
 * step with the agent's input sealed in history, which is what a revoked agent would try to open.
 */
describe('client key generations: revocation rotates, old work still opens, new work does not', () => {
  let stack: TestStack;
  let tenant: Tenant;
  let attacker: Attacker;

  before(async () => {
    stack = await startTestStack({
      directoryTimeouts: { attemptTimeoutMs: 2_000, totalTimeoutMs: 6_000, maximumAttempts: 2 },
    });
    tenant = await createTenant(stack, 'Rotation MSP');
    attacker = await connectAttacker(stack);
  });
  after(async () => {
    await attacker?.close();
    await stack?.stop();
  });

  const api = () => apiClient(stack.url, tenant.apiKey);
  const configOf = (token: string) =>
    fetch(`${stack.url}/agent/v1/config`, { headers: { authorization: `Bearer ${token}` } });

  async function enrolledUser(phone: string) {
    const { link, userId } = await activateNewUser(stack, tenant);
    const { browser, code } = await reachCodeStep(stack, link, phone);
    await browser.submit('/enroll/code', { code });
    assert.match((await browser.submit('/enroll/method', { method: 'sms' })).html, /all set/);
    return userId;
  }

  /**
   * The sealed input of a reset's directory step, once scheduled, from the first run of `workflowId` other than
   * `notRunId` (a reset started after an earlier one ended runs under the same workflow id).
   */
  async function inputToAgent(workflowId: string, notRunId?: string): Promise<{ payload: Payload; runId: string }> {
    for (let i = 0; i < 150; i++) {
      const runId = await attacker.runId(workflowId);
      const scheduled = (runId && runId !== notRunId ? await attacker.history(workflowId, runId) : []).find(
        (e) => e.nexusOperationScheduledEventAttributes?.operation === 'resetPassword',
      );
      // The command to the agent: the input of the Nexus operation to the client's endpoint.
      const payload = scheduled?.nexusOperationScheduledEventAttributes?.input;
      if (payload)
        return { payload: { metadata: payload.metadata ?? {}, data: payload.data ?? undefined }, runId: runId! };
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(`${workflowId} scheduled no directory step`);
  }

  const keyIdOf = (payload: Payload) => Buffer.from(payload.metadata!['encryption-key-id']!).toString();

  /** The codec an agent holding exactly these secrets runs (what a revoked agent still has on its disk). */
  const agentHolding = (held: Map<number, Buffer>) =>
    new EncryptionCodec(
      agentCodecKeys(tenant.clientId, {
        newest: () => {
          const generation = Math.max(...held.keys());
          return { generation, secret: held.get(generation)! };
        },
        get: async (generation) => held.get(generation),
      }),
    );
  const contextOf = (workflowId: string) => ({
    type: 'workflow' as const,
    namespace: stack.runtime.namespace,
    workflowId,
  });

  it('refuses a client-scoped key that tries to mint an agent or rotate keys, and writes nothing', async () => {
    const scoped = await stack.runtime.stores.apiKeys.issue({ mspId: tenant.mspId, clientId: tenant.clientId }, 'psa');
    const psa = apiClient(stack.url, scoped.token);
    // Its first use writes its last-used time (then not again within the minute): done before the dump, so
    // that what is compared is only what the refused calls might write.
    assert.equal((await psa('GET', `/clients/${tenant.clientId}/agents`)).status, 200);
    const before = await settledDump(stack);
    const minted = await psa('POST', `/clients/${tenant.clientId}/agents`, { name: 'sneaky' });
    assert.equal(minted.status, 403);
    assert.match(minted.body.error.message, /Only an MSP-wide API key may issue agent credentials/);
    const rotated = await psa('POST', `/clients/${tenant.clientId}/rotate-keys`);
    assert.equal(rotated.status, 403);
    assert.match(rotated.body.error.message, /Only an MSP-wide API key may rotate/);
    assert.equal(await settledDump(stack), before, 'no agent, no generation, no audit row');
    // Revoking an agent is for MSP-wide admin keys too (server/http/api-permissions.ts); reading the list, above, is not.
  });

  it("after a revocation the revoked agent's secret opens nothing new; work sealed before still opens and ends", async () => {
    const userId = await enrolledUser('+14155550301');
    const workflowId = makePasswordResetWorkflowId(tenant.clientId, userId);

    const issued = await api()('POST', `/clients/${tenant.clientId}/agents`, { name: 'to be revoked' });
    assert.equal(issued.status, 201);
    assert.equal(issued.headers.get('cache-control'), 'no-store');
    const oldConfig = (await (await configOf(issued.body.token)).json()) as AgentConfigBody;
    const oldGeneration = oldConfig.clientKeys.current;
    const revokedAgentHolds = new Map(
      oldConfig.clientKeys.generations.map((g) => [g.generation, Buffer.from(g.secret, 'base64')]),
    );

    // The agent reports in once, as a running one would, so that the client has a live agent and its resets start.
    const beat = await fetch(`${stack.url}/agent/v1/heartbeat`, {
      method: 'POST',
      headers: { authorization: `Bearer ${issued.body.token as string}`, 'content-type': 'application/json' },
      body: JSON.stringify({ version: 'test', hostname: 'rotation' }),
    });
    assert.ok(beat.status < 300, `heartbeat answered ${beat.status}`);
    // A reset running across the rotation: started now, its agent input sealed with the old generation.
    const running = api()('POST', `/clients/${tenant.clientId}/users/${userId}/reset-password`);
    const { payload: beforeInput, runId: firstRun } = await inputToAgent(workflowId);
    assert.equal(keyIdOf(beforeInput), `client.${tenant.clientId}.${oldGeneration}`);

    const revoked = await api()('POST', `/clients/${tenant.clientId}/agents/${issued.body.id}/revoke`);
    assert.equal(revoked.body.status, 'revoked');
    const [audit] = await stack.database
      .db('audit_events')
      .where({ client_id: tenant.clientId, action: 'agent.revoked' });
    assert.equal(audit.detail.keyGeneration, oldGeneration + 1);
    const [newest] = await stack.database
      .db('client_key_generations')
      .where({ client_id: tenant.clientId })
      .orderBy('generation', 'desc');
    assert.equal(newest.generation, oldGeneration + 1);
    assert.equal(newest.reason, 'agent-revoked');
    assert.equal((await configOf(issued.body.token)).status, 401, 'the revoked token fetches nothing new');

    // The running reset still decrypts and finishes (here as "unconfirmed": no agent is up to answer).
    const finished = await running;
    assert.equal(finished.status, 502, JSON.stringify(finished.body));
    assert.equal(finished.body.code, 'directory_unconfirmed');
    assert.match(await decodeHistoryPayloads(stack, workflowId, [beforeInput]), /\\?"nonce\\?"/);

    // A reset started after the revocation is sealed with the new generation. The API answered "unconfirmed" at
    // its own deadline; on a loaded machine the workflow may still be closing, and a reset asked for meanwhile
    // would join that run instead of starting one.
    await stack.runtime.temporal.workflow
      .getHandle(workflowId, firstRun)
      .result()
      .catch(() => undefined);
    // With its only agent revoked the client would be refused at once (agent_offline); another agent reports in.
    const stopBeating = await liveAgentHeartbeat(stack, tenant);
    const later = api()('POST', `/clients/${tenant.clientId}/users/${userId}/reset-password`);
    const { payload: afterInput } = await inputToAgent(workflowId, firstRun);
    assert.equal(keyIdOf(afterInput), `client.${tenant.clientId}.${oldGeneration + 1}`);
    // The revoked agent cannot open it: it lacks the generation, and its old secret does not fit in its place.
    const [notHeld] = await agentHolding(revokedAgentHolds).decode([afterInput], contextOf(workflowId));
    assert.match(
      refusalOf(notHeld!)!,
      new RegExp(`No codec key with id "client.${tenant.clientId}.${oldGeneration + 1}"`),
    );
    const oldSecretAsNew = new Map([[oldGeneration + 1, revokedAgentHolds.get(oldGeneration)!]]);
    const [forced] = await agentHolding(oldSecretAsNew).decode([afterInput], contextOf(workflowId));
    assert.match(refusalOf(forced!)!, /does not authenticate/);
    // While it still opens what it was given before (that cannot be taken back), and a new agent opens the new.
    const [old] = await agentHolding(revokedAgentHolds).decode([beforeInput], contextOf(workflowId));
    assert.equal(refusalOf(old!), undefined);
    const fresh = await api()('POST', `/clients/${tenant.clientId}/agents`, { name: 'replacement' });
    const freshConfig = (await (await configOf(fresh.body.token)).json()) as AgentConfigBody;
    assert.equal(freshConfig.clientKeys.current, oldGeneration + 1);
    const freshHolds = new Map(
      freshConfig.clientKeys.generations.map((g) => [g.generation, Buffer.from(g.secret, 'base64')]),
    );
    const [opened] = await agentHolding(freshHolds).decode([afterInput], contextOf(workflowId));
    assert.match(Buffer.from(opened!.data!).toString(), /\\?"nonce\\?"/);
    await later;
    stopBeating();
  });

  it('rotates on request with an MSP-wide key, audited; another MSP cannot even see the client', async () => {
    const before = (await stack.runtime.stores.clientKeys.current(tenant.clientId)).generation;
    const rotated = await api()('POST', `/clients/${tenant.clientId}/rotate-keys`);
    assert.equal(rotated.status, 200, JSON.stringify(rotated.body));
    assert.equal(rotated.body.generation, before + 1);
    assert.equal((await stack.runtime.stores.clientKeys.current(tenant.clientId)).generation, before + 1);
    const audit = await stack.database
      .db('audit_events')
      .where({ client_id: tenant.clientId, action: 'client.keys_rotated' });
    assert.equal(audit.length, 1);
    assert.equal(audit[0].detail.keyGeneration, before + 1);
    const other = await createTenant(stack, 'Someone else');
    assert.equal(
      (await apiClient(stack.url, other.apiKey)('POST', `/clients/${tenant.clientId}/rotate-keys`)).status,
      404,
    );
  });
});
