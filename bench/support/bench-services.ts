import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadTemporalSettings } from '../../common/temporal/settings';
import { ensurePostgres } from '../../scripts/lib/postgres';
import { say } from '../../scripts/lib/say';
import { ensureTemporalCli } from '../../scripts/lib/temporal-cli';
import { startThrowawayDevServer } from '../../scripts/lib/temporal-dev-server';

/** Clean-up steps run once, in reverse order, from the normal path, a watchdog or a signal alike. */
export class Cleanups {
  private readonly steps: Array<() => Promise<unknown>> = [];
  private running: Promise<void> | undefined;

  push(step: () => Promise<unknown>): void {
    this.steps.push(step);
  }

  run(): Promise<void> {
    return (this.running ??= (async () => {
      for (const step of this.steps.reverse()) await step().catch((error: Error) => console.error(`[latchkey] cleanup step failed: ${error.message}`));
    })());
  }
}

/**
 * The real services a benchmark needs, started the way `npm test` starts them: PostgreSQL (ensured), and a
 * throwaway headless Temporal dev server. Sets the variables that test/support/stack.ts reads.
 */
export async function startBenchServices(cleanups: Cleanups): Promise<{ temporalAddress: string; cliPath: string }> {
  const postgresUrl = process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/postgres';
  await ensurePostgres(postgresUrl, say);
  const settings = loadTemporalSettings();
  const cliPath = await ensureTemporalCli(settings.cli, say);
  const scratch = mkdtempSync(join(tmpdir(), 'latchkey-bench-'));
  cleanups.push(async () => rmSync(scratch, { recursive: true, force: true }));
  say('Starting a throwaway Temporal dev server…');
  const temporal = await startThrowawayDevServer(cliPath, join(scratch, 'temporal.log'));
  cleanups.push(() => temporal.stop());
  process.env.LATCHKEY_TEST_TEMPORAL_ADDRESS = temporal.address;
  process.env.LATCHKEY_TEST_PG_URL = postgresUrl;
  return { temporalAddress: temporal.address, cliPath };
}

/** Stops a hung run instead of holding the machine, and cleans up on Ctrl-C. */
export function guardRun(cleanups: Cleanups, watchdogMs: number): void {
  const watchdog = setTimeout(() => {
    console.error(`[latchkey] benchmark watchdog: still running after ${watchdogMs / 60_000} min; stopping`);
    void cleanups.run().finally(() => process.exit(1));
  }, watchdogMs);
  watchdog.unref();
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => void cleanups.run().finally(() => process.exit(130)));
  }
}
