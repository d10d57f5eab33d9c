import { readFileSync } from 'node:fs';

const TICKS_PER_SECOND = 100;

/** A process's CPU so far (user + system, all its threads) in ms, from `/proc/<pid>/stat` at 10 ms ticks. */
export function cpuMsOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_SECOND;
}

/** Resident memory now and its peak so far (VmRSS, VmHWM), in MB. */
export function memoryMbOf(pid: number): { rssMb: number; peakRssMb: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (name: string) => Number(new RegExp(`${name}:\\s+(\\d+)`).exec(status)?.[1] ?? 0);
  return { rssMb: kb('VmRSS') / 1024, peakRssMb: kb('VmHWM') / 1024 };
}

export interface Footprint {
  seconds: number;
  cpuMsPerSecond: number;
  rssMb: number;
  peakRssMb: number;
}

/** What a process spent while `work` ran: CPU per second of wall time, and its memory at the end. */
export async function footprintOf<T>(pid: number, work: () => Promise<T>): Promise<{ result: T } & Footprint> {
  const cpuBefore = cpuMsOf(pid);
  const started = performance.now();
  const result = await work();
  const seconds = (performance.now() - started) / 1000;
  return { result, seconds, cpuMsPerSecond: (cpuMsOf(pid) - cpuBefore) / seconds, ...memoryMbOf(pid) };
}

/** "7.3 ms CPU/s (0.73 % of a core, 26.3 s an hour), 131 MB resident (peak 140 MB), over 600 s" */
export function describeFootprint(footprint: Footprint): string {
  const { cpuMsPerSecond, rssMb, peakRssMb, seconds } = footprint;
  return (
    `${cpuMsPerSecond.toFixed(1)} ms CPU/s (${(cpuMsPerSecond / 10).toFixed(2)} % of a core, ` +
    `${((cpuMsPerSecond * 3600) / 1000).toFixed(1)} s an hour), ${rssMb.toFixed(0)} MB resident ` +
    `(peak ${peakRssMb.toFixed(0)} MB), over ${seconds.toFixed(0)} s`
  );
}
