import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

interface CpuProfile {
  nodes: unknown[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

/** Now on the clock V8's profiles are timed by (CLOCK_MONOTONIC, µs), which every process on the machine shares. */
export const monotonicMicros = (): number => Number(process.hrtime.bigint() / 1000n);

/**
 * Cuts each `.cpuprofile` in `dir` (as another process's `--cpu-prof --cpu-prof-dir=<dir>` wrote them, one per
 * thread) down to the samples taken between `fromUs` and `toUs`, so that a profile of a whole run shows only the
 * measured phase. Returns the files cut.
 */
export function cutCpuProfiles(dir: string, fromUs: number, toUs: number): string[] {
  const files = readdirSync(dir).filter((name) => name.endsWith('.cpuprofile'));
  for (const name of files) {
    const file = join(dir, name);
    const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
    const startTime = Math.max(profile.startTime, fromUs);
    const samples: number[] = [];
    const timeDeltas: number[] = [];
    let at = profile.startTime;
    let previous = startTime;
    profile.samples.forEach((node, i) => {
      at += profile.timeDeltas[i] ?? 0;
      if (at < fromUs || at > toUs) return;
      samples.push(node);
      timeDeltas.push(at - previous);
      previous = at;
    });
    writeFileSync(
      file,
      JSON.stringify({ ...profile, startTime, endTime: Math.min(profile.endTime, toUs), samples, timeDeltas }),
    );
  }
  return files.map((name) => join(dir, name));
}
