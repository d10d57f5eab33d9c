import { readFileSync, readdirSync } from 'node:fs';

const TICKS_PER_SECOND = 100;

/** A /proc stat file's name, parent and CPU ticks (own and, with `children`, reaped children's); undefined once gone. */
function readStat(path: string, children: boolean): { comm: string; ppid: number; ticks: number } | undefined {
  let stat: string;
  try {
    stat = readFileSync(path, 'utf8');
  } catch {
    return undefined; // It ended while we looked.
  }
  // comm may contain spaces and parentheses; the fields after its closing parenthesis are fixed.
  const close = stat.lastIndexOf(')');
  const fields = stat.slice(close + 2).split(' ');
  const own = Number(fields[11]) + Number(fields[12]);
  return {
    comm: stat.slice(stat.indexOf('(') + 1, close),
    ppid: Number(fields[1]),
    ticks: children ? own + Number(fields[13]) + Number(fields[14]) : own,
  };
}

/** A process as the grouping sees it; `descendsFrom(root)` is true for `root` itself and everything it started. */
export interface ProcessInfo {
  pid: number;
  ppid: number;
  comm: string;
  descendsFrom(root: number | undefined): boolean;
  /** Its command line, with the arguments joined by spaces ('' once it is gone). */
  cmdline(): string;
}

/**
 * CPU seconds used so far by each grouped process on this machine, by pid, read from /proc (Linux only). Several
 * benches and test runs may share the machine, each with its own dev server and Samba, so a group is best told by
 * the process tree it belongs to rather than by a command name.
 */
function cpuSecondsByProcess(
  groupOf: (process: ProcessInfo) => string | undefined,
): Map<number, { group: string; seconds: number }> {
  const all = new Map<number, { comm: string; ppid: number; ticks: number }>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = readStat(`/proc/${entry}/stat`, true);
    if (stat) all.set(Number(entry), stat);
  }
  const descends = (pid: number, root: number | undefined): boolean => {
    for (let at: number | undefined = pid; at && root; at = all.get(at)?.ppid) if (at === root) return true;
    return false;
  };
  const grouped = new Map<number, { group: string; seconds: number }>();
  for (const [pid, stat] of all) {
    const group = groupOf({
      pid,
      ppid: stat.ppid,
      comm: stat.comm,
      descendsFrom: (root) => descends(pid, root),
      cmdline: () => readCmdline(pid),
    });
    if (group) grouped.set(pid, { group, seconds: stat.ticks / TICKS_PER_SECOND });
  }
  return grouped;
}

function readCmdline(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim();
  } catch {
    return ''; // It ended while we looked.
  }
}

/**
 * Runs `work` and returns the CPU seconds each group spent meanwhile, process by process: one that started
 * meanwhile counts from zero, and one that ended meanwhile (a PostgreSQL backend whose connection closed) is left
 * out rather than subtracted.
 */
export async function measureCpu<T>(
  groupOf: (process: ProcessInfo) => string | undefined,
  work: () => Promise<T>,
): Promise<{ result: T; cpu: Map<string, number> }> {
  const before = cpuSecondsByProcess(groupOf);
  const result = await work();
  const cpu = new Map<string, number>();
  for (const [pid, { group, seconds }] of cpuSecondsByProcess(groupOf)) {
    cpu.set(group, (cpu.get(group) ?? 0) + seconds - (before.get(pid)?.seconds ?? 0));
  }
  return { result, cpu };
}

/** CPU seconds used so far by each thread of a process (this one by default), by thread id, with the thread's name. */
export function cpuSecondsByThread(pid: number = process.pid): Map<number, { name: string; seconds: number }> {
  const threads = new Map<number, { name: string; seconds: number }>();
  for (const entry of readdirSync(`/proc/${pid}/task`)) {
    const stat = readStat(`/proc/${pid}/task/${entry}/stat`, false);
    if (stat) threads.set(Number(entry), { name: stat.comm, seconds: stat.ticks / TICKS_PER_SECOND });
  }
  return threads;
}

/**
 * A process's CPU (this one's, or `pid`'s) while `work` ran, by thread: the main thread (the API and the central
 * worker's activities), the busiest other Node thread (the SDK's workflow thread, in a process that runs
 * workflows), Core's tokio threads, and the rest (V8's GC and compiler threads, libuv's pool).
 */
export async function measureThreads<T>(
  work: () => Promise<T>,
  pid: number = process.pid,
): Promise<{ result: T; threads: Map<string, number> }> {
  const before = cpuSecondsByThread(pid);
  const result = await work();
  const used: Array<{ tid: number; name: string; seconds: number }> = [];
  for (const [tid, { name, seconds }] of cpuSecondsByThread(pid)) {
    used.push({ tid, name, seconds: seconds - (before.get(tid)?.seconds ?? 0) });
  }
  const busiestOther = used
    .filter((thread) => thread.tid !== pid && thread.name === 'node')
    .sort((a, b) => b.seconds - a.seconds)[0];
  const threads = new Map<string, number>();
  for (const thread of used) {
    const group =
      thread.tid === pid
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
