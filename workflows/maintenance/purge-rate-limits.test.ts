import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { createLogger } from '../../common/logger';
import { loadTemporalSettings } from '../../common/temporal/settings';
import { RATE_LIMIT_RETENTION_MS, RateLimitStore } from '../../server/db/rate-limit.store';
import { makePurgeRateLimitsScheduleId } from '../../common/domain/workflow-ids';
import { startLatchkey } from '../../server/runtime';
import { startTestStack, type TestStack } from '../../test/support/stack';
import { purgeRateLimitsWorkflow } from './purge-rate-limits.workflow';
import { DAY_MS, HOUR_MS } from '../../common/duration';

describe('rate-limit purge', () => {
  let stack: TestStack;
  let store: RateLimitStore;
  before(async () => {
    stack = await startTestStack();
    store = new RateLimitStore(stack.database.db);
  });
  after(async () => {
    await stack?.stop();
  });

  const subjects = async (prefix: string) =>
    (await stack.database.db('rate_limit_buckets').where('subject', 'like', `${prefix}%`).pluck('subject')).sort();

  it('deletes buckets too old to count and keeps the ones a verdict still reads', async () => {
    const now = Date.now();
    await store.hit('run-old', 5, HOUR_MS, now - 3 * DAY_MS);
    await store.hit('run-previous-day', 5, DAY_MS, now - DAY_MS);
    await store.hit('run-previous-hour', 5, HOUR_MS, now - HOUR_MS);
    await store.hit('run-current', 5, 60_000, now);

    const result = await stack.runtime.temporal.workflow.execute(purgeRateLimitsWorkflow, {
      taskQueue: stack.runtime.taskQueue,
      workflowId: `test-purge-${randomUUID()}`,
      args: [{ retentionMs: RATE_LIMIT_RETENTION_MS }],
    });

    assert.ok(result.deleted >= 1);
    assert.deepEqual(await subjects('run-'), ['run-current', 'run-previous-day', 'run-previous-hour']);
  });

  it('runs hourly from a schedule the worker created at start-up, on its own task queue', async () => {
    const handle = stack.runtime.temporal.schedule.getHandle(makePurgeRateLimitsScheduleId(stack.runtime.taskQueue));
    const described = await handle.describe();
    assert.equal(described.action.workflowType, 'purgeRateLimitsWorkflow');
    assert.equal(described.action.taskQueue, stack.runtime.taskQueue);
    assert.deepEqual(described.action.args, [{ retentionMs: RATE_LIMIT_RETENTION_MS }]);
    assert.equal(described.spec.intervals?.[0]?.every, HOUR_MS);

    await store.hit('scheduled-old', 5, HOUR_MS, Date.now() - 3 * DAY_MS);
    await handle.trigger();
    for (let i = 0; i < 100 && (await subjects('scheduled-')).length > 0; i++) await sleep(200);
    assert.deepEqual(await subjects('scheduled-'), [], 'the triggered run deleted the old bucket');
  });

  it('lets a second process start over the existing schedule, keeping a pause an operator set', async () => {
    const handle = stack.runtime.temporal.schedule.getHandle(makePurgeRateLimitsScheduleId(stack.runtime.taskQueue));
    await handle.pause('maintenance window');
    // A second replica (or a restart) on the same queue: same schedule id, so "already exists" must not fail it.
    const second = await startLatchkey(stack.config, loadTemporalSettings(), {
      role: 'worker',
      logger: createLogger('warn', { service: 'second-replica' }, () => undefined),
      testHooks: { taskQueue: stack.runtime.taskQueue },
    });
    await second.stop();
    const described = await handle.describe();
    assert.equal(described.state.paused, true);
    assert.equal(described.action.workflowType, 'purgeRateLimitsWorkflow');
  });
});
