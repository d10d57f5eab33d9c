import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadTemporalSettings } from '../common/temporal/settings';
import { TEST_DATABASE_PREFIX } from '../test/support/database';
import { ensureSambaInstalled } from '../test/support/samba';
import { findTestFiles } from './lib/find-tests';
import { dropStaleTestDatabases, ensurePostgres } from './lib/postgres';
import { say } from './lib/say';
import { ensureTemporalCli } from './lib/temporal-cli';
import { startThrowawayDevServer } from './lib/temporal-dev-server';

/**
 * `npm test`: type-checks, makes sure every real service the tests need is there (PostgreSQL, the Temporal
 * CLI, Samba), starts a throwaway Temporal dev server, and runs every *.test.ts with Node's own test runner.
 * Arguments narrow the run to matching files: `npm test -- enrollment`.
 */
async function run(): Promise<number> {
  const root = join(__dirname, '..');
  const recordFixtures = process.argv.includes('--record-fixtures');
  const filters = process.argv.slice(2).filter((arg) => !arg.startsWith('--'));
  const started = Date.now();

  say('Type-checking (tsc --noEmit)…');
  const typecheck = spawnSync(process.execPath, [require.resolve('typescript/bin/tsc'), '--noEmit', '-p', root], { stdio: 'inherit' });
  if (typecheck.status !== 0) {
    say('Type errors: fix them first.');
    return 1;
  }

  const postgresUrl = process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/postgres';
  await ensurePostgres(postgresUrl, say);
  const stale = await dropStaleTestDatabases(postgresUrl, TEST_DATABASE_PREFIX);
  if (stale > 0) say(`Dropped ${stale} test database(s) left by an interrupted run.`);

  const files = findTestFiles(root).filter((file) => filters.length === 0 || filters.some((filter) => file.includes(filter)));
  if (files.length === 0) {
    say(`No test file matches ${filters.join(', ')}.`);
    return 1;
  }
  await ensureSambaInstalled(say);

  const settings = loadTemporalSettings();
  const cliPath = await ensureTemporalCli(settings.cli, say);
  const scratch = mkdtempSync(join(tmpdir(), 'latchkey-test-'));
  say('Starting a throwaway Temporal dev server…');
  const temporal = await startThrowawayDevServer(cliPath, join(scratch, 'temporal.log'));
  say(`Setup took ${((Date.now() - started) / 1000).toFixed(1)} s; running ${files.length} test file(s).`);

  try {
    const runner = recordFixtures
      ? ['workflows/__fixtures__/record-fixtures.ts']
      : ['--test', '--test-reporter=spec', `--test-concurrency=${process.env.LATCHKEY_TEST_CONCURRENCY ?? '2'}`, ...files];
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', ...runner],
      {
        cwd: root,
        stdio: 'inherit',
        env: {
          ...process.env,
          LATCHKEY_TEST_TEMPORAL_ADDRESS: temporal.address,
          LATCHKEY_TEST_PG_URL: postgresUrl,
          LATCHKEY_TEST_SCRATCH: scratch,
          TEMPORAL_CLI_PATH: cliPath,
        },
      },
    );
    const code = await new Promise<number>((resolve) => child.on('exit', (exitCode, signal) => resolve(exitCode ?? (signal ? 1 : 0))));
    say(`Tests finished in ${((Date.now() - started) / 1000).toFixed(1)} s (exit ${code}).`);
    return code;
  } finally {
    await temporal.stop();
    rmSync(scratch, { recursive: true, force: true });
  }
}

run().then(
  (code) => process.exit(code),
  (error: Error) => {
    console.error(`[latchkey] npm test could not run: ${error.message}`);
    process.exit(1);
  },
);
