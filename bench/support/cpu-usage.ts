import { readFileSync, readdirSync } from 'node:fs';

const TICKS_PER_SECOND = 100;

/** CPU seconds used so far by each group of processes on this machine, read from /proc (Linux only). */
export function cpuSecondsByGroup(
  groupOf: (process: { pid: number; ppid: number; comm: string }) => string | undefined,
): Map<string, number> {
  const totals = new Map<string, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue; // The process ended while we looked.
    }
    // comm may contain spaces and parentheses; the fields after its closing parenthesis are fixed.
    const close = stat.lastIndexOf(')');
    const comm = stat.slice(stat.indexOf('(') + 1, close);
    const fields = stat.slice(close + 2).split(' ');
    const group = groupOf({ pid: Number(entry), ppid: Number(fields[1]), comm });
    if (!group) continue;
    const ticks = Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14]);
    totals.set(group, (totals.get(group) ?? 0) + ticks / TICKS_PER_SECOND);
  }
  return totals;
}

/** Runs `work` and returns the CPU seconds each group spent meanwhile. */
export async function measureCpu<T>(
  groupOf: Parameters<typeof cpuSecondsByGroup>[0],
  work: () => Promise<T>,
): Promise<{ result: T; cpu: Map<string, number> }> {
  const before = cpuSecondsByGroup(groupOf);
  const result = await work();
  const after = cpuSecondsByGroup(groupOf);
  const cpu = new Map<string, number>();
  for (const [group, seconds] of after) cpu.set(group, seconds - (before.get(group) ?? 0));
  return { result, cpu };
}

/** CPU seconds used so far by each thread of this process, by thread id, with the thread's name. */
export function cpuSecondsByThread(): Map<number, { name: string; seconds: number }> {
  const threads = new Map<number, { name: string; seconds: number }>();
  for (const entry of readdirSync('/proc/self/task')) {
    try {
      const stat = readFileSync(`/proc/self/task/${entry}/stat`, 'utf8');
      const close = stat.lastIndexOf(')');
      const fields = stat.slice(close + 2).split(' ');
      const ticks = Number(fields[11]) + Number(fields[12]);
      threads.set(Number(entry), { name: stat.slice(stat.indexOf('(') + 1, close), seconds: ticks / TICKS_PER_SECOND });
    } catch {
      continue; // The thread ended while we looked.
    }
  }
  return threads;
}

/**
 * This process's CPU while `work` ran, by thread: the main thread (the API, the central worker's activities and
 * the bench's own client), the busiest other Node thread (the SDK's workflow thread, in a bench that runs
 * workflows), Core's tokio threads, and the rest (V8's GC and compiler threads, libuv's pool).
 */
export async function measureThreads<T>(work: () => Promise<T>): Promise<{ result: T; threads: Map<string, number> }> {
  const before = cpuSecondsByThread();
  const result = await work();
  const used: Array<{ tid: number; name: string; seconds: number }> = [];
  for (const [tid, { name, seconds }] of cpuSecondsByThread()) {
    used.push({ tid, name, seconds: seconds - (before.get(tid)?.seconds ?? 0) });
  }
  const busiestOther = used
    .filter((thread) => thread.tid !== process.pid && thread.name === 'node')
    .sort((a, b) => b.seconds - a.seconds)[0];
  const threads = new Map<string, number>();
  for (const thread of used) {
    const group =
      thread.tid === process.pid
        ? 'main thread'
        : thread === busiestOther
          ? 'busiest other Node thread'
          : thread.name.startsWith('tokio')
            ? "Core's tokio threads"
            : 'other threads';
    threads.set(group, (threads.get(group) ?? 0) + thread.seconds);
  }
  return { result, threads };
}
