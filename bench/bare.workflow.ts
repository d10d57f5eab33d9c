import { condition, defineSignal, defineUpdate, setHandler } from '@temporalio/workflow';

/**
 * The baselines for bench/activation.bench.ts: workflows that do nothing, so that timing them measures only
 * Temporal's own round trip (client → server → worker → server → client) on the same machine and connection.
 */

export async function bareWorkflow(): Promise<string> {
  return 'ok';
}

export const bareUpdate = defineUpdate<string>('bareUpdate');
export const bareFinishSignal = defineSignal('bareFinish');

export async function bareUpdateWorkflow(): Promise<number> {
  let updates = 0;
  let finished = false;
  setHandler(bareUpdate, () => {
    updates++;
    return 'ok';
  });
  setHandler(bareFinishSignal, () => {
    finished = true;
  });
  await condition(() => finished);
  return updates;
}
