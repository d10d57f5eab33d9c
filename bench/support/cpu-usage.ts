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
