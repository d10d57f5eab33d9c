import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { TEST_DATABASE_PREFIX } from '../test/support/database';
import { ensureSambaInstalled } from '../test/support/samba';
import { ensureChromiumInstalled } from '../test/support/browser';
import { findTestFiles } from './lib/find-tests';
import { Cleanups, cleanUpOnExit } from './lib/cleanups';
import { dropStaleTestDatabases } from './lib/postgres';
import { startTestServices } from './lib/test-services';
import { say } from './lib/say';
import { runStaticChecks } from './lib/static-checks';
import { ensureTemporalServer, ensureTemporalUiServer } from './lib/temporal-cli';
import { loadTemporalSettings } from '../common/temporal/settings';

/** Test files that run the full Temporal server (TLS, an authorizer) rather than the dev server. */
const FULL_SERVER_TESTS = ['temporal-tls', 'temporal-authz'];
/** Test files that open the standalone Temporal Web UI in a browser. */
const WEB_UI_TESTS = ['temporal-web-ui'];

/**
 * `npm test`: runs the static checks (format, lint, layer rules, types), makes sure every real service the tests
 * need is there (PostgreSQL, the Temporal CLI, Samba, Chromium), starts a throwaway Temporal dev server, and runs every *.test.ts with Node's own test runner.
 * Arguments narrow the run to matching files: `npm test -- enrollment`.
 */
async function run(): Promise<number> {
  const root = join(__dirname, '..');
  const recordFixtures = process.argv.includes('--record-fixtures');
  const filters = process.argv.slice(2).filter((arg) => !arg.startsWith('--'));
  const started = Date.now();

  say('Static checks: formatting, lint, layer rules, types…');
  if (!runStaticChecks(root)) {
    say('Static checks failed: fix them first (`npm run lint` repeats them alone).');
    return 1;
  }

  const files = findTestFiles(root).filter(
    (file) => filters.length === 0 || filters.some((filter) => file.includes(filter)),
  );
  if (files.length === 0) {
    say(`No test file matches ${filters.join(', ')}.`);
    return 1;
  }

  // Ctrl-C, a failure or a hang: the dev server, the test runner and what it started are stopped either way.
  const cleanups = new Cleanups();
  cleanUpOnExit(cleanups, { watchdogMs: 60 * 60_000 });
  try {
    const { postgresUrl } = await startTestServices(cleanups);
    const stale = await dropStaleTestDatabases(postgresUrl, TEST_DATABASE_PREFIX);
    if (stale > 0) say(`Dropped ${stale} test database(s) left by an interrupted run.`);
    await ensureSambaInstalled(say);
    await ensureChromiumInstalled(say);
    // Only the TLS and authorization tests need the full server (a cold build takes minutes); their processes find
    // it through this variable.
    if (files.some((file) => FULL_SERVER_TESTS.some((name) => file.includes(name)))) {
      process.env.TEMPORAL_SERVER_PATH = await ensureTemporalServer(loadTemporalSettings().server, say);
    }
    if (files.some((file) => WEB_UI_TESTS.some((name) => file.includes(name)))) {
      process.env.TEMPORAL_UI_SERVER_PATH = await ensureTemporalUiServer(loadTemporalSettings().ui, say);
    }
    say(`Setup took ${((Date.now() - started) / 1000).toFixed(1)} s; running ${files.length} test file(s).`);

    const runner = recordFixtures
      ? ['scripts/record-fixtures.ts']
      : [
          '--test',
          '--test-reporter=spec',
          // A file whose tests have all ended exits even if something it started left a handle open, rather than
          // holding the run (and every file reported after it) until the watchdog.
          '--test-force-exit',
          `--test-concurrency=${process.env.LATCHKEY_TEST_CONCURRENCY ?? '2'}`,
          ...files,
        ];
    const child = spawn(process.execPath, ['--import', 'tsx', ...runner], { cwd: root, stdio: 'inherit' });
    const exited = new Promise<number>((resolve) => {
      child.on('error', () => resolve(1));
      child.on('exit', (exitCode, signal) => resolve(exitCode ?? (signal ? 1 : 0)));
    });
    cleanups.push(async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    });
    const code = await exited;
    say(`Tests finished in ${((Date.now() - started) / 1000).toFixed(1)} s (exit ${code}).`);
    return code;
  } finally {
    await cleanups.run();
  }
}

run().then(
  (code) => process.exit(code),
  (error: Error) => {
    console.error(`[latchkey] npm test could not run: ${error.message}`);
    process.exit(1);
  },
);
