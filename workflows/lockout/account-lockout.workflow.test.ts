import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { Context } from '@temporalio/activity';
import { Client, Connection } from '@temporalio/client';
import { bundleWorkflowCode, DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { loadTemporalSettings } from '../../common/temporal/settings';
import type { LockoutEnding, LockoutNotice } from '../../common/domain/lockout-outcome';
import { testEnv } from '../../test/support/env';
import {
  accountLockoutWorkflow,
  lockoutAcknowledgedSignal,
  lockoutClearedSignal,
  lockoutResetChosenSignal,
  lockoutUnlockUpdate,
} from './account-lockout.workflow';

/** What the in-memory activities were asked to do, per workflow id. */
interface Story {
  notice: LockoutNotice;
  calls: string[];
  ended?: { ending: LockoutEnding; by: string | null };
  ownerNotified?: LockoutEnding;
}

/**
 * The lockout workflow's own logic on the dev server, over in-memory activities: the push and its fallback text,
 * each way a lockout ends, and what is recorded. The unlock itself (the agent over Nexus) is covered on Samba by
 * test/e2e/lockout-unlock.test.ts.
 */
describe('lockout workflow, on the dev server with in-memory activities', { concurrency: true }, () => {
  const namespace = loadTemporalSettings().namespace;
  const taskQueue = `lockout-tier-${randomUUID()}`;
  const stories = new Map<string, Story>();
  let client: Client;
  let workerConnection: NativeConnection | undefined;
  let testsDone: () => void;
  let workerStopped: Promise<void> | undefined;

  const story = (workflowId: string) => stories.get(workflowId)!;
  const current = () => Context.current().info.workflowExecution!.workflowId;

  const activities = {
    async sendLockoutNotice() {
      const s = story(current());
      s.calls.push(`notice:${s.notice}`);
      return { lockoutId: current(), notice: s.notice };
    },
    async sendLockoutTextFallback() {
      story(current()).calls.push('fallback');
      return true;
    },
    async endLockout(input: { ending: LockoutEnding; by: string | null }) {
      story(current()).ended = input;
    },
    async notifyOwnerOfLockout(input: { ending: LockoutEnding }) {
      story(current()).ownerNotified = input.ending;
    },
  };

  before(async () => {
    Runtime.install({
      logger: new DefaultLogger('ERROR'),
      telemetryOptions: { logging: { filter: { core: 'ERROR', other: 'ERROR' } } },
    });
    const address = testEnv().temporalAddress;
    const [workflowBundle, native, connection] = await Promise.all([
      bundleWorkflowCode({ workflowsPath: require.resolve('../index'), logger: new DefaultLogger('ERROR') }),
      NativeConnection.connect({ address }),
      Connection.connect({ address }),
    ]);
    workerConnection = native;
    client = new Client({ connection, namespace });
    const worker = await Worker.create({ connection: native, namespace, taskQueue, workflowBundle, activities });
    workerStopped = worker.runUntil(new Promise<void>((resolve) => (testsDone = resolve)));
  });
  after(async () => {
    testsDone?.();
    await workerStopped;
    await client?.connection.close();
    await workerConnection?.close();
  });

  async function lockout(notice: LockoutNotice, options: { unlocksInMs?: number; pushAckTimeoutMs?: number } = {}) {
    const workflowId = `lockout-tier-${randomUUID()}`;
    stories.set(workflowId, { notice, calls: [] });
    const now = Date.now();
    const handle = await client.workflow.start(accountLockoutWorkflow, {
      taskQueue,
      workflowId,
      args: [
        {
          clientId: randomUUID(),
          userId: randomUUID(),
          lockedAtMs: now,
          unlocksAtMs: options.unlocksInMs === undefined ? null : now + options.unlocksInMs,
          detectedAtMs: now,
        },
        {
          pushAckTimeoutMs: options.pushAckTimeoutMs ?? 60_000,
          maxWaitMs: 60_000,
          directory: { attemptTimeoutMs: 1_000, totalTimeoutMs: 3_000, maximumAttempts: 1 },
        },
      ],
    });
    return { handle, story: story(workflowId) };
  }

  it('texts after a push that is not acknowledged in time, and not after one that is', async () => {
    const late = await lockout('push', { pushAckTimeoutMs: 500 });
    const heard = await lockout('push', { pushAckTimeoutMs: 3_000 });
    await heard.handle.signal(lockoutAcknowledgedSignal);
    await new Promise((resolve) => setTimeout(resolve, 3_500));
    assert.ok(late.story.calls.includes('fallback'), late.story.calls.join());
    assert.ok(!heard.story.calls.includes('fallback'), heard.story.calls.join());
    await late.handle.signal(lockoutClearedSignal);
    await heard.handle.signal(lockoutClearedSignal);
    await Promise.all([late.handle.result(), heard.handle.result()]);
  });

  it('ends as cleared when the directory unlocked it elsewhere, recording it and emailing the owner', async () => {
    const { handle, story: s } = await lockout('sms');
    await handle.signal(lockoutClearedSignal);
    assert.deepEqual(await handle.result(), { lockoutId: handle.workflowId, ending: 'cleared', by: 'directory' });
    assert.deepEqual(s.ended, { ending: 'cleared', by: 'directory' });
    assert.equal(s.ownerNotified, 'cleared');
  });

  it('ends as expired at unlocksAtMs, with nobody acting', async () => {
    const { handle, story: s } = await lockout('sms', { unlocksInMs: 1_500 });
    const result = await handle.result();
    assert.equal(result.ending, 'expired');
    assert.deepEqual(s.ended, { ending: 'expired', by: null });
  });

  it('ends as reset when the user chose a reset, naming who', async () => {
    const { handle } = await lockout('push');
    await handle.signal(lockoutResetChosenSignal, { actor: 'device:abc', channel: 'app', resetId: randomUUID() });
    const result = await handle.result();
    assert.deepEqual([result.ending, result.by], ['reset', 'device:abc']);
  });

  it('refuses an unlock once the lockout has ended', async () => {
    const { handle } = await lockout('sms');
    await handle.signal(lockoutClearedSignal);
    await handle.result();
    await assert.rejects(handle.executeUpdate(lockoutUnlockUpdate, { args: [{ actor: 'sms', channel: 'sms' }] }));
  });
});
