import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadTemporalSettings } from '../../common/temporal/settings';
import type { Cleanups } from './cleanups';
import { ensurePostgres } from './postgres';
import { say } from './say';
import { ensureTemporalCli } from './temporal-cli';
import { startThrowawayDevServer, type DevServerOptions } from './temporal-dev-server';

export interface TestServices {
  postgresUrl: string;
  cliPath: string;
  temporalAddress: string;
  /** The dev server's process, for a bench that counts its CPU. */
  temporalPid: number | undefined;
  scratch: string;
}

/**
 * The real services that tests and benchmarks run against: PostgreSQL (the local server, or DATABASE_URL; started
 * if stopped) and a throwaway headless Temporal dev server. Sets the variables test/support/ reads, so child
 * processes inherit them. Everything started is registered in `cleanups`. `dynamicConfig` goes on top of
 * temporal.yaml's, for benchmarks that compare values.
 */
export async function startTestServices(
  cleanups: Cleanups,
  options: { dynamicConfig?: DevServerOptions['dynamicConfig'] } = {},
): Promise<TestServices> {
  const postgresUrl = process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/postgres';
  await ensurePostgres(postgresUrl, say);
  const cliPath = await ensureTemporalCli(loadTemporalSettings().cli, say);
  const scratch = mkdtempSync(join(tmpdir(), 'latchkey-'));
  cleanups.push(async () => rmSync(scratch, { recursive: true, force: true }));
  say('Starting a throwaway Temporal dev server…');
  const temporal = await startThrowawayDevServer(cliPath, join(scratch, 'temporal.log'), options.dynamicConfig);
  cleanups.push(() => temporal.stop());
  Object.assign(process.env, {
    LATCHKEY_TEST_RUNNER_PID: String(process.pid),
    LATCHKEY_TEST_TEMPORAL_ADDRESS: temporal.address,
    LATCHKEY_TEST_PG_URL: postgresUrl,
    TEMPORAL_CLI_PATH: cliPath,
  });
  return { postgresUrl, cliPath, temporalAddress: temporal.address, temporalPid: temporal.process.pid, scratch };
}
