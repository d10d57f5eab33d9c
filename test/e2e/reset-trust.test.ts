import assert from 'node:assert/strict';
import { generateKeyPairSync, randomBytes, randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { WorkflowFailedError } from '@temporalio/client';
import { Client as LdapClient } from 'ldapts';
import { ActivityFailure, ApplicationFailure, NexusOperationFailure } from '@temporalio/common';
import { directoryService } from '../../common/domain/directory-service';
import * as nexus from 'nexus-rpc';
import { agentCodecKeys } from '../../common/temporal/codec-keys';
import { createDataConverter } from '../../common/temporal/data-converter';
import { commandSigningKey, signDirectoryCommand } from '../../common/crypto/directory-command';
import type { DirectoryCommand } from '../../common/domain/directory-command';
import { FailureType } from '../../common/domain/failure-types';
import { makePasswordResetWorkflowId } from '../../common/domain/workflow-ids';
import { createCentralDataConverter } from '../../common/temporal/central-data-converter';
import type { RunningAgent } from '../../agent/agent';
import { enrolledDirectoryUser, startTestAgent, type Tenant } from '../support/reset-setup';
import { runRogueNexusCall, startRogueWorker } from '../support/rogue-worker';
import { startSambaDc, type SambaDc } from '../support/samba';
import { createTenant, startTestStack, type TestStack } from '../support/stack';

type EnrolledUser = Awaited<ReturnType<typeof enrolledDirectoryUser>>;

/**
 * The ApplicationFailure type at the bottom of a failed workflow's cause chain. An agent's refusal of a Nexus
 * operation arrives as NexusOperationFailure ← ApplicationFailure "OperationError" ← the agent's own failure.
 */
function failureTypeOf(error: unknown): string | undefined {
  let cause: unknown = error;
  while (
    cause instanceof WorkflowFailedError ||
    cause instanceof ActivityFailure ||
    cause instanceof NexusOperationFailure ||
    (cause instanceof ApplicationFailure && cause.type === 'OperationError')
  )
    cause = cause.cause;
  return cause instanceof ApplicationFailure ? (cause.type ?? undefined) : undefined;
}

/**
 * Someone who can reach Temporal, and even holds Latchkey's codec keys, tries to reset passwords around
 * Latchkey. Each attack is refused, and a bind with the old password shows that nothing changed.
 */
describe('a reset happens only when Latchkey asked for it', () => {
  let dc: SambaDc;
  let stack: TestStack;
  let tenantA: Tenant;
  let tenantB: Tenant;
  let agentA: RunningAgent;
  let userA: EnrolledUser;
  let userB: EnrolledUser;
  let rogue: Awaited<ReturnType<typeof startRogueWorker>>;

  // The insider holds every key Latchkey's central process holds, and opens an agent's answers as it does.
  const insiderConverter = () =>
    createCentralDataConverter(stack.config.codecKeys, stack.runtime.stores.clientKeys, {
      nexusCaller: {
        endpointOf: (clientId) => `latchkey-agent-${clientId}`,
        clientOfEndpoint: (endpoint) => endpoint.replace(/^latchkey-agent-/, ''),
      },
    });
  const textsTo = (phone: string) => stack.outbox.list().filter((m) => m.to === phone).length;
  const resetRows = (userId: string) => stack.database.db('password_resets').where({ user_id: userId });
  const resetAudit = (userId: string) =>
    stack.database.db('audit_events').where({ user_id: userId }).whereLike('action', 'reset.%');

  /** A command that looks right in every field; only who signed it, or when, differs between the attacks. */
  const commandFor = (user: EnrolledUser, tenant: Tenant, overrides: Partial<DirectoryCommand> = {}) => ({
    v: 1 as const,
    requestId: randomUUID(),
    clientId: tenant.clientId,
    operation: 'reset-password' as const,
    account: user.username,
    objectGuid: null,
    generation: 0,
    nonce: randomBytes(32).toString('base64url'),
    issuedAt: Date.now(),
    expiresAt: Date.now() + 60_000,
    passwordLength: 14,
    mustChangeAtNextLogon: false,
    unlock: true,
    ...overrides,
  });

  before(async () => {
    dc = await startSambaDc();
    stack = await startTestStack();
    tenantA = await createTenant(stack, 'Trust MSP A');
    tenantB = await createTenant(stack, 'Trust MSP B');
    agentA = await startTestAgent(stack, tenantA, dc);
    userA = await enrolledDirectoryUser(stack, tenantA, dc);
    userB = await enrolledDirectoryUser(stack, tenantB, dc);
    rogue = await startRogueWorker({
      address: stack.config.temporal.address,
      namespace: stack.runtime.temporal.options.namespace,
      dataConverter: insiderConverter(),
    });
  });

  after(async () => {
    await rogue?.stop();
    await agentA?.stop();
    await stack?.stop();
    await dc?.stop();
  });

  // Both reset types are registered: the retired one runs the same signed code for any new run.
  for (const workflowType of ['signedPasswordResetWorkflow', 'passwordResetWorkflow']) {
    it(`refuses a ${workflowType} started around Latchkey for another client's user: nothing signed, sent or written`, async () => {
      const textsBefore = textsTo(userB.phone);
      const forged = await stack.runtime.temporal.workflow.start(workflowType, {
        taskQueue: stack.runtime.taskQueue,
        workflowId: makePasswordResetWorkflowId(tenantB.clientId, userB.userId),
        args: [{ resetId: randomUUID(), nonce: randomBytes(32).toString('base64url') }],
      });
      const failure = await forged.result().then(
        () => undefined,
        (error: unknown) => error,
      );
      assert.equal(failureTypeOf(failure), FailureType.ResetNotAuthorized);
      await dc.bind(userB.upn, userB.initialPassword);
      assert.equal(textsTo(userB.phone), textsBefore, 'no text went to the user');
      assert.deepEqual(await resetRows(userB.userId), []);
      assert.deepEqual(await resetAudit(userB.userId), []);
    });
  }

  it("refuses a genuine pending reset of one user run under another user's workflow id", async () => {
    const resetId = randomUUID();
    // A pending reset of A's user exists (as if its id had leaked); the forger replays it for B's user.
    await stack.database.db('password_resets').insert({
      id: resetId,
      user_id: userA.userId,
      client_id: tenantA.clientId,
      channel: 'technician',
      requested_by: 'test',
      status: 'pending',
    });
    const forged = await stack.runtime.temporal.workflow.start('signedPasswordResetWorkflow', {
      taskQueue: stack.runtime.taskQueue,
      workflowId: makePasswordResetWorkflowId(tenantB.clientId, userB.userId),
      args: [{ resetId, nonce: randomBytes(32).toString('base64url') }],
    });
    assert.equal(failureTypeOf(await forged.result().catch((error: unknown) => error)), FailureType.ResetNotAuthorized);
    await dc.bind(userB.upn, userB.initialPassword);
    await dc.bind(userA.upn, userA.initialPassword);
    const [row] = await stack.database.db('password_resets').where({ id: resetId });
    assert.equal(row.status, 'pending', 'the leaked reset was not ended by the forger');
  });

  const refusals = (reason: string) =>
    stack.database
      .db('audit_events')
      .where({ client_id: tenantA.clientId, action: 'agent.command_refused' })
      .whereRaw("detail->>'reason' = ?", [reason]);

  // The attacker's own workflow sends the command straight to client A's endpoint, as any workflow in any
  // namespace may; its id names client A, so the codec seals the command with A's key, which the insider holds.
  const onAgentQueue = ([input]: unknown[]) =>
    runRogueNexusCall(
      stack.runtime.temporal,
      rogue.taskQueue,
      makePasswordResetWorkflowId(tenantA.clientId, randomUUID()),
      {
        endpoint: `latchkey-agent-${tenantA.clientId}`,
        service: 'latchkey-directory',
        operation: 'resetPassword',
        input,
      },
    );

  it('makes the agent refuse a reset task put straight onto its queue, and audit the refusal', async () => {
    const { privateKey: attackerKey } = generateKeyPairSync('ed25519');
    const forged = signDirectoryCommand(attackerKey, commandFor(userA, tenantA));
    const failure = await onAgentQueue([forged]).catch((error: unknown) => error);
    assert.equal(failureTypeOf(failure), FailureType.DirectoryCommandRefused);
    const unsigned = await onAgentQueue([{ username: userA.username, nonce: 'x', length: 12 }]).catch(
      (error: unknown) => error,
    );
    assert.equal(failureTypeOf(unsigned), FailureType.DirectoryCommandRefused, 'a v1-style unsigned input too');
    await dc.bind(userA.upn, userA.initialPassword);
    assert.equal((await refusals('bad_signature')).length, 1);
    assert.equal((await refusals('malformed')).length, 1);
  });

  it('makes the agent refuse a genuinely signed command for another client, touching nothing', async () => {
    // Signed by Latchkey's own key, but for client B: agent A obeys commands for its own client only.
    const foreign = signDirectoryCommand(
      commandSigningKey(stack.config.masterKey),
      commandFor(userA, tenantA, { clientId: tenantB.clientId }),
    );
    assert.equal(
      failureTypeOf(await onAgentQueue([foreign]).catch((error: unknown) => error)),
      FailureType.DirectoryCommandRefused,
    );
    await dc.bind(userA.upn, userA.initialPassword);
    assert.equal((await refusals('wrong_client')).length, 1);
  });

  it('makes the agent refuse a genuine command replayed after its expiry', async () => {
    const expired = signDirectoryCommand(
      commandSigningKey(stack.config.masterKey),
      commandFor(userA, tenantA, { issuedAt: Date.now() - 600_000, expiresAt: Date.now() - 300_000 }),
    );
    assert.equal(
      failureTypeOf(await onAgentQueue([expired]).catch((error: unknown) => error)),
      FailureType.DirectoryCommandRefused,
    );
    await dc.bind(userA.upn, userA.initialPassword);
    assert.equal((await refusals('expired')).length, 1);
  });

  it("rejects a result forged by an unrelated worker on the agent's Nexus queue: no password texted, nothing set", async () => {
    // A client whose only worker on its agent queue is the forger's.
    const tenantC = await createTenant(stack, 'Trust MSP C');
    const userC = await enrolledDirectoryUser(stack, tenantC, dc);
    const issued = await userC.api('POST', `/clients/${tenantC.clientId}/agents`, { name: 'never started' });
    const settings = await fetch(`${stack.url}/agent/v1/config`, {
      headers: { authorization: `Bearer ${issued.body.token}` },
    }).then(
      (response) =>
        response.json() as Promise<{ temporal: { namespace: string; taskQueue: string; endpoint: string } }>,
    );
    // The credential reports in, so that the client counts as having a live agent and the reset is attempted.
    const beat = await fetch(`${stack.url}/agent/v1/heartbeat`, {
      method: 'POST',
      headers: { authorization: `Bearer ${issued.body.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ version: 'forger', hostname: 'forger' }),
    });
    assert.ok(beat.status < 300, `heartbeat answered ${beat.status}`);
    // It polls the client's own namespace, where the agent would, and seals its answers with the client's own key,
    // as an agent would: only the result proof can tell it apart.
    const newestC = await stack.runtime.stores.clientKeys.current(tenantC.clientId);
    const forged = async () => ({ objectGuid: 'forged', wasLocked: false, proof: 'forged' });
    const forger = await startRogueWorker({
      address: stack.config.temporal.address,
      namespace: settings.temporal.namespace,
      dataConverter: createDataConverter(
        agentCodecKeys(tenantC.clientId, {
          newest: () => newestC,
          get: async (generation) => (await stack.runtime.stores.clientKeys.get(tenantC.clientId, generation))?.secret,
        }),
        { nexusHandler: { namespace: stack.runtime.namespace, endpoint: settings.temporal.endpoint } },
      ),
      taskQueue: settings.temporal.taskQueue,
      nexusServices: [
        nexus.serviceHandler(directoryService, {
          resetPassword: forged,
          unlock: forged,
          watchLockouts: async () => ({ cursor: '', changes: [], proof: 'forged' }),
        }),
      ],
    });
    try {
      const textsBefore = stack.outbox
        .list()
        .filter((m) => m.to === userC.phone)
        .map((m) => m.text);
      const reset = await userC.api('POST', `/clients/${tenantC.clientId}/users/${userC.userId}/reset-password`);
      assert.equal(reset.body.status, 'failed', JSON.stringify(reset.body));
      assert.equal(reset.body.code, 'agent_result_rejected');
      const texts = stack.outbox
        .list()
        .filter((m) => m.to === userC.phone)
        .map((m) => m.text);
      assert.equal(
        texts.slice(textsBefore.length).filter((text) => /temporary password/.test(text)).length,
        0,
        'no password was texted',
      );
      await dc.bind(userC.upn, userC.initialPassword);
      const [row] = await resetRows(userC.userId);
      assert.equal(row.status, 'failed');
      assert.equal(row.failure_code, 'agent_result_rejected');
    } finally {
      await forger.stop();
    }
  });

  it('still resets through the real agent, texting a password that works', async () => {
    const reset = await userA.api('POST', `/clients/${tenantA.clientId}/users/${userA.userId}/reset-password`);
    assert.equal(reset.body.status, 'completed', JSON.stringify(reset.body));
    await assert.rejects(dc.bind(userA.upn, userA.initialPassword), /data 52e/, 'the old password no longer works');
    const [row] = await stack.database.db('users').where({ id: userA.userId });
    assert.ok(row.directory_object_guid, 'the first reset remembered the directory object');
  });

  it('refuses to reset an account recreated under the same name after the first reset', async () => {
    // userA's first reset (above) remembered its directory object; the account is now deleted and recreated.
    const admin = new LdapClient({
      url: dc.url,
      tlsOptions: { ca: dc.caPem, servername: dc.serverName, minVersion: 'TLSv1.2' },
    });
    await admin.bind(dc.adminDn, dc.adminPassword);
    try {
      await admin.del(userA.dn);
    } finally {
      await admin.unbind();
    }
    const newPassword = `Recreated#${randomUUID().slice(0, 8)}A1`;
    const recreated = await dc.createUser(userA.username, newPassword, { mail: userA.email });
    const reset = await userA.api('POST', `/clients/${tenantA.clientId}/users/${userA.userId}/reset-password`);
    assert.equal(reset.body.status, 'failed', JSON.stringify(reset.body));
    assert.equal(reset.body.code, 'account_changed');
    await dc.bind(recreated.userPrincipalName, newPassword);
  });
});
