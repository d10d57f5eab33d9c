import { performance } from 'node:perf_hooks';

export interface LanesResult {
  /** Each operation's latency, ms. */
  samples: number[];
  /**
   * Operations a second while every lane was busy: those finished before the first lane ran out of work, over
   * that time. Counting to the last lane's end instead would charge the ragged finish, when fewer lanes run, to
   * the throughput; how ragged it is depends on the spread of the latencies, so it would weigh on the slower and
   * more variable operation more than on its baseline.
   */
  throughput: number;
}

/** `concurrency` lanes, each running `perLane` operations one after another; `operation` answers its latency. */
export async function runLanes(
  concurrency: number,
  perLane: number,
  operation: (lane: number, index: number) => Promise<number>,
): Promise<LanesResult> {
  const samples: number[] = [];
  const finishedAt: number[] = [];
  const laneEnds: number[] = [];
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async (_, lane) => {
      for (let index = 0; index < perLane; index++) {
        samples.push(await operation(lane, index));
        finishedAt.push(performance.now());
      }
      laneEnds.push(performance.now());
    }),
  );
  const allBusyUntil = Math.min(...laneEnds);
  const finished = finishedAt.filter((at) => at <= allBusyUntil).length;
  return { samples, throughput: finished / ((allBusyUntil - started) / 1000) };
}
