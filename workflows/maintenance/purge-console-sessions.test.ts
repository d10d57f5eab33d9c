import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { DAY_MS, HOUR_MS } from '../../common/duration';
import { makePurgeConsoleSessionsScheduleId } from '../../common/domain/workflow-ids';
import { CONSOLE_SESSION_RETENTION_MS } from '../../server/db/technician-sessions.store';
import { createTenant, startTestStack, type TestStack } from '../../test/support/stack';
import { createTechnician, signInToConsole } from '../../test/support/technician';
import { purgeConsoleSessionsWorkflow } from './purge-console-sessions.workflow';

describe('console-session purge', () => {
  let stack: TestStack;
  let technicianId: string;
  before(async () => {
    stack = await startTestStack();
    const tenant = await createTenant(stack);
    technicianId = (await createTechnician(stack, tenant.mspId, 'admin')).id;
  });
  after(async () => {
    await stack?.stop();
  });

  /** A session row of the given age, as sign-ins, sign-outs and idle browsers leave them. */
  const session = async (label: string, row: { lastSeenMsAgo: number; endedMsAgo?: number; stage?: string }) => {
    const at = (msAgo: number) => new Date(Date.now() - msAgo);
    await stack.runtime.db('technician_sessions').insert({
      technician_id: technicianId,
      token_hash: `${label}-${randomUUID()}`,
      stage: row.stage ?? 'active',
      created_at: at(row.lastSeenMsAgo),
      last_seen_at: at(row.lastSeenMsAgo),
      ended_at: row.endedMsAgo === undefined ? null : at(row.endedMsAgo),
    });
  };
  const left = async (prefix: string) =>
    (await stack.runtime.db('technician_sessions').where('token_hash', 'like', `${prefix}%`).pluck('token_hash'))
      .map((hash: string) => hash.slice(0, -37))
      .sort();

  it('deletes ended and long-idle sessions, and keeps the ones that may still be in use', async () => {
    await session('run-in-use', { lastSeenMsAgo: 60_000 });
    await session('run-ended-recently', { lastSeenMsAgo: HOUR_MS, endedMsAgo: HOUR_MS });
    await session('run-ended-long-ago', { lastSeenMsAgo: 2 * DAY_MS, endedMsAgo: 2 * DAY_MS });
    await session('run-idle-long-ago', { lastSeenMsAgo: 2 * DAY_MS });
    await session('run-half-signed-in-long-ago', { lastSeenMsAgo: 2 * DAY_MS, stage: 'password' });

    const result = await stack.runtime.temporal.workflow.execute(purgeConsoleSessionsWorkflow, {
      taskQueue: stack.runtime.taskQueue,
      workflowId: `test-purge-sessions-${randomUUID()}`,
      args: [{ retentionMs: CONSOLE_SESSION_RETENTION_MS }],
    });

    assert.equal(result.deleted, 3);
    assert.deepEqual(await left('run-'), ['run-ended-recently', 'run-in-use']);
  });

  it('keeps a signed-in session working across a purge', async () => {
    const tenant = await createTenant(stack, 'Purge IT');
    const tech = await createTechnician(stack, tenant.mspId, 'read_only');
    const browser = await signInToConsole(stack, tech);
    await stack.runtime.temporal.workflow.execute(purgeConsoleSessionsWorkflow, {
      taskQueue: stack.runtime.taskQueue,
      workflowId: `test-purge-sessions-${randomUUID()}`,
      args: [{ retentionMs: CONSOLE_SESSION_RETENTION_MS }],
    });
    assert.equal((await browser.get('/console')).status, 200);
  });

  it('runs hourly from a schedule the worker created at start-up, on its own task queue', async () => {
    const handle = stack.runtime.temporal.schedule.getHandle(
      makePurgeConsoleSessionsScheduleId(stack.runtime.taskQueue),
    );
    const described = await handle.describe();
    assert.equal(described.action.workflowType, 'purgeConsoleSessionsWorkflow');
    assert.equal(described.action.taskQueue, stack.runtime.taskQueue);
    assert.deepEqual(described.action.args, [{ retentionMs: CONSOLE_SESSION_RETENTION_MS }]);
    assert.equal(described.spec.intervals?.[0]?.every, HOUR_MS);

    await session('scheduled-ended', { lastSeenMsAgo: 3 * DAY_MS, endedMsAgo: 3 * DAY_MS });
    await handle.trigger();
    for (let i = 0; i < 100 && (await left('scheduled-')).length > 0; i++) await sleep(200);
    assert.deepEqual(await left('scheduled-'), [], 'the triggered run deleted the ended session');
  });
});
