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
      // Under load the retries may come late; what matters is that they come long before the 60 s interval.
      const deadline = Date.now() + 10_000;
      while (beats.length < 3 && Date.now() < deadline) await sleep(10);
      await sleep(150);
      assert.equal(beats.length, 3, 'two failed beats, each tried again, then one that lands and is not repeated');
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
