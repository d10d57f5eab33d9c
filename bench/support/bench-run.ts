import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cleanUpOnExit, type Cleanups } from '../../scripts/lib/cleanups';

/** bench/results/<name>-<when>.json, which git ignores: what a run measured, for later comparison. */
export function writeResults(name: string, data: unknown, at = new Date()): string {
  const dir = join(__dirname, '..', 'results');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${name}-${at.toISOString().replace(/[:.]/g, '-')}.json`);
  writeFileSync(file, `${JSON.stringify(data, null, 2)}\n`);
  return file;
}

/**
 * Runs a bench to its end and exits: 0, or 1 with the error's stack. Its cleanups also run if it is interrupted
 * or outlives the watchdog, so that no dev server, DC or database is left behind.
 */
export function runBench(name: string, cleanups: Cleanups, watchdogMs: number, run: () => Promise<unknown>): void {
  cleanUpOnExit(cleanups, { watchdogMs });
  run().then(
    () => process.exit(0),
    (error: unknown) => {
      console.error(
        `[latchkey] ${name} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
      );
      process.exit(1);
    },
  );
}
