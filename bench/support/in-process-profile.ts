import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';

/**
 * Profiles this process's main thread while `work` runs, when LATCHKEY_BENCH_CPU_PROFILE names a file: a
 * whole-run `--cpu-prof` would bury the measured phase under set-up (provisioning, enrolment, warm-up). The
 * file opens in Chrome DevTools' Performance panel or any `.cpuprofile` viewer.
 */
export async function profiled<T>(work: () => Promise<T>, label?: string): Promise<T> {
  const named = process.env.LATCHKEY_BENCH_CPU_PROFILE;
  if (!named) return work();
  // A bench that profiles more than one phase names each file after its phase, so that none overwrites another.
  const file = label ? named.replace(/(\.cpuprofile)?$/, `-${label}$1`) : named;
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 200 });
  await session.post('Profiler.start');
  try {
    return await work();
  } finally {
    const { profile } = await session.post('Profiler.stop');
    writeFileSync(file, JSON.stringify(profile));
    session.disconnect();
    console.log(`[latchkey] CPU profile of the main thread: ${file}`);
  }
}
