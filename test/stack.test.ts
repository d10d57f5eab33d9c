import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ScheduleNotFoundError } from '@temporalio/client';
import { makePurgeRateLimitsScheduleId } from '../common/domain/workflow-ids';
import { startTestStack } from './support/stack';

describe('test stack', () => {
  it('gives runtimes started side by side their own task queue and their own maintenance schedule', async () => {
    const [one, two] = await Promise.all([startTestStack(), startTestStack()]);
    try {
      assert.notEqual(one.runtime.taskQueue, two.runtime.taskQueue);
      const scheduleOf = (stack: typeof one) =>
        stack.runtime.temporal.schedule.getHandle(makePurgeRateLimitsScheduleId(stack.runtime.taskQueue));
      assert.equal((await scheduleOf(one).describe()).action.taskQueue, one.runtime.taskQueue);
      assert.equal((await scheduleOf(two).describe()).action.taskQueue, two.runtime.taskQueue);

      await one.stop();
      const onesFromTwo = two.runtime.temporal.schedule.getHandle(makePurgeRateLimitsScheduleId(one.runtime.taskQueue));
      await assert.rejects(onesFromTwo.describe(), ScheduleNotFoundError, 'a stopped stack removes its schedule');
      assert.ok(await scheduleOf(two).describe(), "and leaves the other stack's alone");
    } finally {
      await two.stop();
    }
  });
});
