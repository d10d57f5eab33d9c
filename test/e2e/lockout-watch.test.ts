import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { Attribute, Change, Client } from 'ldapts';
import { makeLockoutWatchWorkflowId } from '../../common/domain/workflow-ids';
import type { LockoutWatchInput } from '../../workflows/lockout-watch/lockout-watch.workflow';
import { killAgentProcess, spawnAgentProcess, until, type AgentProcess } from '../support/agent-process';
import { apiClient } from '../support/http';
import { enrolledDirectoryUser, type Tenant } from '../support/reset-setup';
import { ensureSambaInstalled, startSambaDc, type SambaDc } from '../support/samba';
import { createTenant, startTestStack, type TestStack } from '../support/stack';

/**
 * The lockout watch end to end: real wrong binds against Samba lock real accounts, agents run as their own
 * processes and are killed with SIGKILL, and what reaches Latchkey is read from its audit log, where the
 * watch's report records each lockout of an enrolled user (`lockout.detected`), and the lockout workflow each end
 * (`lockout.ended`; `cleared` when the directory ended it).
 */
describe('lockout watch', { timeout: 600_000 }, () => {
  let dc: SambaDc;
  let stack: TestStack;
  let tenant: Tenant;
  const agents: AgentProcess[] = [];

  before(async () => {
    await ensureSambaInstalled();
    dc = await startSambaDc();
    await dc.setLockoutPolicy({ threshold: 3, durationMinutes: 1 });
    stack = await startTestStack({ logLevel: 'warn' });
    tenant = await createTenant(stack, 'Lockout Watch MSP');
  });

  after(async () => {
    for (const agent of agents) await killAgentProcess(agent);
    await stack?.runtime.temporal.workflow
      .getHandle(makeLockoutWatchWorkflowId(tenant.clientId))
      .terminate('test over')
      .catch(() => undefined);
    await stack?.stop();
    await dc?.stop();
  });

  async function spawnAgent(): Promise<AgentProcess> {
    const agent = await spawnAgentProcess(stack, tenant, dc);
    agents.push(agent);
    return agent;
  }

  async function kill(agent: AgentProcess): Promise<void> {
    await killAgentProcess(agent);
    agents.splice(agents.indexOf(agent), 1);
  }

  /** Three real wrong binds; returns when the one that locked the account came back. */
  async function lockOut(upn: string): Promise<number> {
    for (let attempt = 1; attempt <= 3; attempt++) {
      await assert.rejects(dc.bind(upn, `Wrong-${attempt}-${randomUUID()}`));
    }
    return Date.now();
  }

  async function audited(userId: string, action: 'lockout.detected' | 'lockout.ended') {
    return stack.database.db('audit_events').where({ user_id: userId, action }).orderBy('created_at');
  }

  async function detected(userId: string, action: 'lockout.detected' | 'lockout.ended' = 'lockout.detected') {
    return until(`${action} for ${userId}`, 60_000, async () => {
      const rows = await audited(userId, action);
      return rows.length > 0 ? rows : undefined;
    });
  }

  /** Long enough for several watch cycles: a duplicate would have shown up by now. */
  const settle = () => new Promise((resolve) => setTimeout(resolve, 3_000));

  async function adminClient(): Promise<Client> {
    const client = new Client({ url: dc.url, tlsOptions: { ca: dc.caPem, servername: dc.serverName } });
    await client.bind(dc.adminDn, dc.adminPassword);
    return client;
  }

  async function unlockInAd(dn: string): Promise<void> {
    const admin = await adminClient();
    try {
      await admin.modify(dn, [
        new Change({ operation: 'replace', modification: new Attribute({ type: 'lockoutTime', values: ['0'] }) }),
      ]);
    } finally {
      await admin.unbind();
    }
  }

  it('reports a lockout of an enrolled user once, and its unlock in AD', async () => {
    const user = await enrolledDirectoryUser(stack, tenant, dc);
    await spawnAgent();
    // The first agent's start starts the client's watch.
    await until('the watch to start', 30_000, async () =>
      (await stack.runtime.temporal.workflow.getHandle(makeLockoutWatchWorkflowId(tenant.clientId)).describe()).status
        .name === 'RUNNING'
        ? true
        : undefined,
    );
    await settle();

    const lockedAt = await lockOut(user.upn);
    const [row] = await detected(user.userId);
    const latencyMs = new Date(row.created_at).getTime() - lockedAt;
    assert.ok(latencyMs < 5_000, `detected ${latencyMs} ms after the locking bind`);
    await settle();
    assert.equal((await audited(user.userId, 'lockout.detected')).length, 1, 'reported once');

    await unlockInAd(user.dn);
    const [ended] = await detected(user.userId, 'lockout.ended');
    assert.equal(ended.detail.lockoutId, row.detail.lockoutId, 'the end of that very lockout');
    assert.equal(ended.detail.ending, 'cleared');
  });

  it('reports nothing for an account that is not an enrolled user of the client', async () => {
    const api = apiClient(stack.url, tenant.apiKey);
    const stranger = await dc.createUser(`n${randomUUID().slice(0, 8)}`, 'Stranger!Pass-1');
    const invited = await dc.createUser(`i${randomUUID().slice(0, 8)}`, 'Invited!Pass-1');
    const notEnrolled = await api('POST', `/clients/${tenant.clientId}/users`, {
      username: invited.username,
      email: `${invited.username}@example.com`,
    });
    assert.equal(notEnrolled.status, 201);
    await lockOut(stranger.userPrincipalName);
    await lockOut(invited.userPrincipalName);
    // A lockout after theirs that is reported shows that the watch has been past theirs.
    const marker = await enrolledDirectoryUser(stack, tenant, dc);
    await lockOut(marker.upn);
    await detected(marker.userId);
    assert.deepEqual(await audited(notEnrolled.body.id, 'lockout.detected'), []);
    const all = await stack.database.db('audit_events').whereIn('action', ['lockout.detected', 'lockout.ended']);
    assert.ok(
      all.every((row: { user_id: string | null }) => row.user_id !== null && row.user_id !== notEnrolled.body.id),
      'no row for anyone but enrolled users',
    );
  });

  it('two agents, one killed with SIGKILL mid-watch: nothing missed and nothing twice', async () => {
    const before = await enrolledDirectoryUser(stack, tenant, dc);
    const duringFailover = await enrolledDirectoryUser(stack, tenant, dc);
    const first = agents[0]!;
    await lockOut(before.upn);
    await detected(before.userId);
    // The answer that reported it came from the only agent, which took the next long poll (5 s) straight away;
    // the second agent starts meanwhile, and the first dies holding that poll.
    const second = await spawnAgent();
    await kill(first);
    await lockOut(duringFailover.upn);
    await detected(duringFailover.userId);
    await settle();
    assert.equal((await audited(before.userId, 'lockout.detected')).length, 1, 'no duplicate after failover');
    assert.equal((await audited(duringFailover.userId, 'lockout.detected')).length, 1);
    assert.deepEqual(agents, [second]);
  });

  it('resynchronises after a Samba restart, without a second report of what it knew', async () => {
    const known = await enrolledDirectoryUser(stack, tenant, dc);
    await lockOut(known.upn);
    await detected(known.userId);
    await dc.restart();
    const afterRestart = await enrolledDirectoryUser(stack, tenant, dc);
    await lockOut(afterRestart.upn);
    await detected(afterRestart.userId);
    await settle();
    assert.equal((await audited(known.userId, 'lockout.detected')).length, 1);
    assert.equal((await audited(afterRestart.userId, 'lockout.detected')).length, 1);
  });

  it('does not report a lockout that expired while no agent watched', async () => {
    const expired = await enrolledDirectoryUser(stack, tenant, dc);
    const marker = await enrolledDirectoryUser(stack, tenant, dc);
    for (const agent of [...agents]) await kill(agent);
    // A 1-minute lockout would make this test wait a minute: the domain's duration is shortened for it only.
    const admin = await adminClient();
    const setDuration = (ticks: string) =>
      admin.modify(dc.baseDn, [
        new Change({
          operation: 'replace',
          modification: new Attribute({ type: 'lockOutObservationWindow', values: [ticks] }),
        }),
        new Change({ operation: 'replace', modification: new Attribute({ type: 'lockoutDuration', values: [ticks] }) }),
      ]);
    await setDuration('-30000000');
    try {
      await lockOut(expired.upn);
      await new Promise((resolve) => setTimeout(resolve, 5_500));
      await spawnAgent();
      await lockOut(marker.upn);
      await detected(marker.userId);
      await settle();
      assert.deepEqual(await audited(expired.userId, 'lockout.detected'), [], 'an expired lockout is not a lockout');
    } finally {
      await setDuration('-600000000').catch(() => undefined);
      await admin.unbind();
    }
  });

  it('carries the cursor over continueAsNew: a lockout across runs is reported once', async () => {
    const watchId = makeLockoutWatchWorkflowId(tenant.clientId);
    const first = await stack.runtime.temporal.workflow.getHandle(watchId).describe();
    await stack.runtime.temporal.workflow.getHandle(watchId).terminate('restarted with short runs');
    const input: LockoutWatchInput = { clientId: tenant.clientId, timing: { waitMs: 1_000, callsPerRun: 2 } };
    await stack.runtime.temporal.workflow.start('lockoutWatchWorkflow', {
      workflowId: watchId,
      taskQueue: stack.runtime.taskQueue,
      args: [input],
    });
    const user = await enrolledDirectoryUser(stack, tenant, dc);
    await lockOut(user.upn);
    await detected(user.userId);
    await settle();
    assert.equal((await audited(user.userId, 'lockout.detected')).length, 1);
    const now = await stack.runtime.temporal.workflow.getHandle(watchId).describe();
    assert.notEqual(now.runId, first.runId);
    assert.ok(now.historyLength < 60, `a short history per run (${now.historyLength} events)`);
  });

  it('backs off when the client has no agent at all, rather than spinning', async () => {
    const lonely = await createTenant(stack, 'No Agent MSP');
    const watchId = makeLockoutWatchWorkflowId(lonely.clientId);
    const input: LockoutWatchInput = {
      clientId: lonely.clientId,
      timing: { waitMs: 500, callTimeoutMs: 1_000, firstBackoffMs: 500, maxBackoffMs: 4_000 },
    };
    const handle = await stack.runtime.temporal.workflow.start('lockoutWatchWorkflow', {
      workflowId: watchId,
      taskQueue: stack.runtime.taskQueue,
      args: [input],
    });
    try {
      await new Promise((resolve) => setTimeout(resolve, 9_000));
      let calls = 0;
      const events = (await handle.fetchHistory()).events ?? [];
      for (const event of events) {
        if (event.nexusOperationScheduledEventAttributes) calls += 1;
      }
      // Without a backoff a 1 s timeout would allow 9 calls; with it (0.5, 1, 2, 4 s) about 4.
      assert.ok(calls >= 2 && calls <= 5, `${calls} calls in 9 s`);
    } finally {
      await handle.terminate('test over').catch(() => undefined);
    }
  });
});
