import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadTemporalSettings } from '../../common/temporal/settings';
import { freePort } from '../../scripts/lib/free-port';
import { startDevServer, type DevServer, type DevServerOptions } from '../../scripts/lib/temporal-dev-server';
import type { ApiResponse } from '../support/http';
import {
  killAgentProcess,
  killAllAgentProcesses,
  spawnAgentProcess,
  until,
  type AgentProcess,
} from '../support/agent-process';
import { enrolledDirectoryUser, passwordTextedTo, startTestAgent, type Tenant } from '../support/reset-setup';
import { directoryConfigOf, startSambaDc, type SambaDc } from '../support/samba';
import { parseActiveDirectoryConfig } from '../../plugins/directory/active-directory';
import { createTenant, startTestStack, type TestStack } from '../support/stack';
import type { PasswordResetResult } from '../../workflows/password-reset/password-reset.workflow';
import { makePasswordResetWorkflowId } from '../../common/domain/workflow-ids';
import { cachedCliPath } from '../../scripts/lib/temporal-cli';

/**
 * What happens to a password reset when something breaks underneath it: the agent dies after writing, the
 * directory cannot be reached, Temporal itself restarts. Real Samba, real Temporal, real agent processes.
 */

const TEMPORAL_CLI = process.env.TEMPORAL_CLI_PATH ?? cachedCliPath(loadTemporalSettings().cli.version);

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const resetPath = (tenant: Tenant, userId: string) => `/clients/${tenant.clientId}/users/${userId}/reset-password`;

/** A request left running in the background; its outcome (or error) is read later. */
function inBackground<T>(promise: Promise<T>): Promise<{ value?: T; error?: unknown }> {
  return promise.then(
    (value) => ({ value }),
    (error: unknown) => ({ error }),
  );
}

async function pwdLastSet(dc: SambaDc, dn: string): Promise<string | undefined> {
  return (await dc.readAttributes(dn, ['pwdLastSet'])).pwdLastSet;
}

/** Resolves once the directory write has happened, i.e. the user's pwdLastSet moved. */
function directoryWritten(dc: SambaDc, dn: string, before: string | undefined, timeoutMs: number): Promise<string> {
  return until('the directory write (pwdLastSet to change)', timeoutMs, async () => {
    const now = await pwdLastSet(dc, dn);
    return now !== before ? (now ?? 'unset') : undefined;
  });
}

function temporaryPasswordTexts(stack: TestStack, phone: string, seen: Set<string>) {
  return stack.outbox.list({ to: phone }).filter((m) => !seen.has(m.id) && /temporary password/.test(m.text));
}

async function auditActions(stack: TestStack, userId: string, action: string) {
  return stack.database.db('audit_events').where({ user_id: userId, action });
}

/**
 * How each attempt at the directory step ended, in order. The workflow retries the step itself, one Nexus
 * operation to the client's endpoint per attempt (workflows/password-reset/directory-call.ts), so each attempt
 * is its own NexusOperationScheduled event: 'completed', 'failed' (the agent answered with a failure),
 * 'timed-out' (no agent answered within the attempt's deadline), 'cancelled', or 'pending'.
 */
async function directoryAttempts(stack: TestStack, tenant: Tenant, userId: string): Promise<string[]> {
  const handle = stack.runtime.temporal.workflow.getHandle(makePasswordResetWorkflowId(tenant.clientId, userId));
  const events = (await handle.fetchHistory()).events ?? [];
  const outcomes = new Map<number, string>();
  for (const e of events) {
    if (e.nexusOperationScheduledEventAttributes?.operation === 'resetPassword')
      outcomes.set(Number(e.eventId), 'pending');
    const ended: Array<[string, { scheduledEventId?: unknown } | null | undefined]> = [
      ['completed', e.nexusOperationCompletedEventAttributes],
      ['failed', e.nexusOperationFailedEventAttributes],
      ['timed-out', e.nexusOperationTimedOutEventAttributes],
      ['cancelled', e.nexusOperationCanceledEventAttributes],
    ];
    for (const [outcome, attributes] of ended) {
      const id = Number(attributes?.scheduledEventId);
      if (attributes && outcomes.has(id)) outcomes.set(id, outcome);
    }
  }
  return [...outcomes.values()];
}

describe('password reset under faults', () => {
  let dc: SambaDc;
  const seenMessages = (stack: TestStack) => new Set(stack.outbox.list().map((m) => m.id));

  before(async () => {
    dc = await startSambaDc();
  });
  after(async () => {
    killAllAgentProcesses();
    await dc?.stop();
  });

  it(
    'survives the agent being killed after its directory write: another agent finishes it, once',
    { timeout: 90_000 },
    async (t) => {
      const agents: AgentProcess[] = [];
      let stack: TestStack | undefined;
      t.after(async () => {
        for (const agent of agents) await killAgentProcess(agent);
        await stack?.stop();
      });
      // A short attempt timeout, so that the killed agent's task is retried on the other one within seconds.
      stack = await startTestStack({ directoryTimeouts: { attemptTimeoutMs: 3_000, totalTimeoutMs: 60_000 } });
      const tenant = await createTenant(stack, 'Failover MSP');
      await stack.runtime.stores.tenants.updateSettings(tenant.clientId, {
        requireSmsPin: false,
        mustChangeAtNextLogon: false,
      });
      const user = await enrolledDirectoryUser(stack, tenant, dc);

      // Agent A writes the password, then hangs long enough to be killed before it can report back.
      const agentA = await spawnAgentProcess(stack, tenant, dc, { pauseAfterWriteMs: 20_000 });
      agents.push(agentA);
      const before = await pwdLastSet(dc, user.dn);
      const seen = seenMessages(stack);
      const request = inBackground(user.api('POST', resetPath(tenant, user.userId)));
      await directoryWritten(dc, user.dn, before, 20_000);
      agentA.child.kill('SIGKILL');
      await agentA.exited;
      assert.equal(agentA.child.signalCode, 'SIGKILL');
      assert.equal(
        temporaryPasswordTexts(stack, user.phone, seen).length,
        0,
        'nothing was delivered by the agent that died',
      );
      assert.equal((await auditActions(stack, user.userId, 'reset.completed')).length, 0);

      const agentB = await spawnAgentProcess(stack, tenant, dc);
      agents.push(agentB);
      const outcome = await request;
      assert.ifError(outcome.error);
      const reset = outcome.value!;
      assert.equal(reset.status, 200, JSON.stringify(reset.body));
      assert.equal(reset.body.status, 'completed');

      const password = await passwordTextedTo(stack, user.phone, seen);
      // B's retry wrote again from the same nonce; what matters is that the texted password is the one AD holds.
      await dc.bind(user.upn, password);
      await assert.rejects(dc.bind(user.upn, user.initialPassword), /data 52e/);
      const attempts = await directoryAttempts(stack, tenant, user.userId);
      t.diagnostic(`directory step attempts: ${JSON.stringify(attempts)}`);
      // A's attempt never answered; a later one, on B, completed, and it is the only one that did.
      assert.ok(attempts.length >= 2, `the directory step was retried after A died (${JSON.stringify(attempts)})`);
      assert.equal(attempts.at(-1), 'completed');
      assert.deepEqual(
        attempts.slice(0, -1),
        attempts.slice(0, -1).map(() => 'timed-out'),
      );

      // The workflow has finished, so any duplicate delivery would already be in the outbox.
      await stack.runtime.temporal.workflow
        .getHandle(makePasswordResetWorkflowId(tenant.clientId, user.userId))
        .result();
      assert.equal(temporaryPasswordTexts(stack, user.phone, seen).length, 1, 'exactly one password SMS');
      assert.equal(
        (await auditActions(stack, user.userId, 'reset.completed')).length,
        1,
        'exactly one reset.completed',
      );
      const rows = await stack.database.db('password_resets').where({ user_id: user.userId });
      assert.deepEqual(
        rows.map((r: { status: string }) => r.status),
        ['completed'],
      );

      // Killing one agent does not stop resets: the survivor takes the next one straight away.
      const seenAgain = seenMessages(stack);
      const second = await user.api('POST', resetPath(tenant, user.userId));
      assert.equal(second.status, 200, JSON.stringify(second.body));
      assert.equal(second.body.status, 'completed');
      const secondPassword = await passwordTextedTo(stack, user.phone, seenAgain);
      assert.notEqual(secondPassword, password);
      await dc.bind(user.upn, secondPassword);
      assert.equal(agentB.child.exitCode, null, 'agent B is still running');
    },
  );

  it(
    'fails cleanly when the directory cannot be reached: bounded retries, a clear answer, nothing written',
    { timeout: 60_000 },
    async (t) => {
      let stack: TestStack | undefined;
      let agent: Awaited<ReturnType<typeof startTestAgent>> | undefined;
      t.after(async () => {
        await agent?.stop();
        await stack?.stop();
      });
      stack = await startTestStack({
        directoryTimeouts: { attemptTimeoutMs: 2_000, totalTimeoutMs: 8_000, maximumAttempts: 3 },
      });
      const tenant = await createTenant(stack, 'Unreachable MSP');
      const user = await enrolledDirectoryUser(stack, tenant, dc);
      // Nothing listens there; TLS trust and name stay right, so the only fault is reachability.
      const closedPort = await freePort();
      const reachable = parseActiveDirectoryConfig(directoryConfigOf(dc));
      agent = await startTestAgent(stack, tenant, dc, {
        directory: { ...reachable, url: `ldaps://127.0.0.1:${closedPort}` },
      });

      const before = await pwdLastSet(dc, user.dn);
      const seen = seenMessages(stack);
      const started = Date.now();
      const reset = await user.api('POST', resetPath(tenant, user.userId));
      const tookMs = Date.now() - started;
      t.diagnostic(`the technician heard back after ${tookMs} ms`);
      assert.equal(reset.status, 502, JSON.stringify(reset.body));
      assert.equal(reset.body.status, 'failed');
      assert.equal(reset.body.code, 'directory_unavailable');
      assert.match(reset.body.userMessage, /could not be reached/);
      assert.ok(tookMs < 10_000, `gave up within the total bound (took ${tookMs} ms)`);
      assert.deepEqual(
        await directoryAttempts(stack, tenant, user.userId),
        ['failed', 'failed', 'failed'],
        'exactly maximumAttempts tries, each answered by the agent with the directory error',
      );

      const sms = await stack.outbox.waitFor(
        (m) => m.to === user.phone && !seen.has(m.id) && /could not reset/.test(m.text),
      );
      assert.ok(sms.text.includes(reset.body.userMessage), sms.text);
      assert.equal(temporaryPasswordTexts(stack, user.phone, seen).length, 0);

      const failed = await auditActions(stack, user.userId, 'reset.failed');
      assert.equal(failed.length, 1);
      assert.equal((await auditActions(stack, user.userId, 'reset.completed')).length, 0);
      const rows = await stack.database.db('password_resets').where({ user_id: user.userId });
      assert.deepEqual(
        rows.map((r: { status: string; failure_code: string | null; ended_at: Date | null }) => [
          r.status,
          r.failure_code,
          r.ended_at !== null,
        ]),
        [['failed', 'directory_unavailable', true]],
      );
      const history = await user.api('GET', `/clients/${tenant.clientId}/password-resets`);
      assert.ok(
        history.body.items.some(
          (r: { userId: string; status: string; failureCode: string }) =>
            r.userId === user.userId && r.status === 'failed' && r.failureCode === 'directory_unavailable',
        ),
      );

      // Nothing half-done: the account is exactly as it was.
      assert.equal(await pwdLastSet(dc, user.dn), before);
      await dc.bind(user.upn, user.initialPassword);
    },
  );

  it('finishes a reset that was in flight while the Temporal server restarted', { timeout: 120_000 }, async (t) => {
    let server: DevServer | undefined;
    let stack: TestStack | undefined;
    let agent: Awaited<ReturnType<typeof startTestAgent>> | undefined;
    const scratch = await mkdtemp(join(tmpdir(), 'latchkey-faults-'));
    t.after(async () => {
      await agent?.stop();
      await stack?.stop();
      await server?.stop();
      await rm(scratch, { recursive: true, force: true });
    });
    const PAUSE_AFTER_WRITE_MS = 4_000;
    const settings = loadTemporalSettings();
    const serverOptions: DevServerOptions = {
      cliPath: TEMPORAL_CLI,
      ip: '127.0.0.1',
      grpcPort: await freePort(),
      namespace: settings.namespace,
      logLevel: 'error',
      dynamicConfig: settings.devServer.dynamicConfig,
      // On disk, so the running reset's history outlives the server process.
      dbFile: join(scratch, 'temporal.sqlite'),
      logFile: join(scratch, 'temporal.log'),
    };
    server = await startDevServer(serverOptions);
    // The attempt timeout must outlast the agent's pause, or the write would be retried without any restart.
    stack = await startTestStack({
      temporalAddress: server.address,
      directoryTimeouts: { attemptTimeoutMs: 10_000, totalTimeoutMs: 90_000 },
    });
    const tenant = await createTenant(stack, 'Restart MSP');
    await stack.runtime.stores.tenants.updateSettings(tenant.clientId, {
      requireSmsPin: false,
      mustChangeAtNextLogon: false,
    });
    const user = await enrolledDirectoryUser(stack, tenant, dc);
    agent = await startTestAgent(stack, tenant, dc, { pauseAfterWriteMs: PAUSE_AFTER_WRITE_MS });

    const before = await pwdLastSet(dc, user.dn);
    const seen = seenMessages(stack);
    const request = inBackground(user.api('POST', resetPath(tenant, user.userId)));
    await directoryWritten(dc, user.dn, before, 20_000);
    const writtenAt = Date.now();

    const stopping = Date.now();
    await server.stop();
    const stoppedMs = Date.now() - stopping;
    assert.equal(temporaryPasswordTexts(stack, user.phone, seen).length, 0, 'the server went down before delivery');
    // Down until after the agent's pause, so the agent reports its result into the outage, not to the new server.
    await sleep(Math.max(0, writtenAt + PAUSE_AFTER_WRITE_MS + 1_500 - Date.now()));
    server = await startDevServer(serverOptions);
    t.diagnostic(`dev server stopped in ${stoppedMs} ms, back after ${Date.now() - stopping} ms`);

    // The central worker, the agent and the client all reconnect on their own; give them a bounded while.
    const handle = stack.runtime.temporal.workflow.getHandle<() => Promise<PasswordResetResult>>(
      makePasswordResetWorkflowId(tenant.clientId, user.userId),
    );
    const result = await until('the reset to finish after the restart', 60_000, async () => handle.result(), 250);
    assert.equal(result.status, 'completed');
    t.diagnostic(
      `reset finished ${Date.now() - stopping} ms after the stop began; directory step attempts ${JSON.stringify(await directoryAttempts(stack, tenant, user.userId))}`,
    );
    const password = await passwordTextedTo(stack, user.phone, seen);
    await dc.bind(user.upn, password);
    assert.equal(temporaryPasswordTexts(stack, user.phone, seen).length, 1, 'exactly one password SMS');
    assert.equal((await auditActions(stack, user.userId, 'reset.completed')).length, 1);

    // The technician's request spanned the outage: it either saw the outcome or was told to look later.
    const outcome = await request;
    assert.ifError(outcome.error);
    const answer = outcome.value as ApiResponse;
    t.diagnostic(
      `the technician's request across the restart answered ${answer.status} ${JSON.stringify(answer.body)}`,
    );
    if (answer.status !== 200) assert.equal(answer.status, 503, JSON.stringify(answer.body));
    else assert.equal(answer.body.status, 'completed');

    // Every connection came back, not just enough of them for one reset: a fresh reset runs end to end.
    const seenAgain = seenMessages(stack);
    const next = await user.api('POST', resetPath(tenant, user.userId));
    assert.equal(next.status, 200, JSON.stringify(next.body));
    assert.equal(next.body.status, 'completed');
    await dc.bind(user.upn, await passwordTextedTo(stack, user.phone, seenAgain));
  });
});
