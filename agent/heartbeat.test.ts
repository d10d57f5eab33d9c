import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { startHeartbeat } from './heartbeat';

describe('the agent heartbeat', () => {
  it('tries a failed beat again soon, not a whole interval later, and then keeps to the interval', async () => {
    const beats: number[] = [];
    let failuresLeft = 2;
    const failures: unknown[] = [];
    const heartbeat = startHeartbeat(
      async () => {
        beats.push(Date.now());
        if (failuresLeft-- > 0) throw new Error('central is restarting');
      },
      60_000,
      (error) => failures.push(error),
      30,
    );
    try {
      await heartbeat.first;
      await sleep(400);
      assert.equal(beats.length, 3, 'two failed beats, each tried again, then one that lands');
      assert.equal(failures.length, 2);
    } finally {
      heartbeat.stop();
    }
  });

  it('tries nothing again once stopped', async () => {
    let beats = 0;
    const heartbeat = startHeartbeat(
      async () => {
        beats++;
        throw new Error('down');
      },
      60_000,
      () => undefined,
      30,
    );
    await heartbeat.first;
    heartbeat.stop();
    await sleep(200);
    assert.equal(beats, 1);
  });
});
