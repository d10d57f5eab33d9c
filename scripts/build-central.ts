import { spawnSync } from 'node:child_process';
import { cpSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { say } from './lib/say';
import { buildWorkflowBundle } from './lib/workflow-bundle';

/** What the compiled code reads beside itself at run time, copied to the same place under dist/central. */
const ASSETS = ['server/views', 'server/app/static', 'activities/templates', 'temporal.yaml'];

export const CENTRAL_OUT = 'dist/central';
export const CENTRAL_MAIN = join(CENTRAL_OUT, 'server', 'main.js');
export const CENTRAL_BUNDLE = join(CENTRAL_OUT, 'workflow-bundle.js');

/**
 * `npm run build`: the central process as production runs it. tsc compiles server/main.ts and the CLI into
 * dist/central (no tsx at run time), the files they read beside themselves are copied next to them, and the
 * workflows are bundled once into dist/central/workflow-bundle.js, so the worker starts without webpack.
 */
export async function buildCentral(root: string): Promise<void> {
  const started = Date.now();
  const step = (line: string) => say(`[build ${((Date.now() - started) / 1000).toFixed(1)} s] ${line}`);
  const out = join(root, CENTRAL_OUT);
  rmSync(out, { recursive: true, force: true });

  step('Compiling the central process with tsc (tsconfig.build.json)…');
  const tsc = spawnSync(
    process.execPath,
    [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.build.json'],
    { cwd: root, encoding: 'utf8' },
  );
  if (tsc.status !== 0) throw new Error(`tsc failed (exit ${tsc.status}):\n${tsc.stdout}${tsc.stderr}`);

  for (const asset of ASSETS) cpSync(join(root, asset), join(out, asset), { recursive: true });
  // common/version.ts reads the version from the package.json one folder above common/.
  const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string };
  writeFileSync(join(out, 'package.json'), `${JSON.stringify({ name: 'latchkey-central', version, private: true })}\n`);

  step('Bundling the workflows…');
  const { bytes } = await buildWorkflowBundle(join(root, CENTRAL_BUNDLE));
  step(`Wrote ${relative(process.cwd(), join(root, CENTRAL_BUNDLE))} (${Math.round(bytes / 1024)} KiB).`);
  say(
    `Run it: npm run start:prod -- --role=all|api|worker  (node ${CENTRAL_MAIN} --workflow-bundle=${CENTRAL_BUNDLE})`,
  );
}

if (require.main === module) {
  buildCentral(join(__dirname, '..')).catch((error: unknown) => {
    say(`Building the central process failed: ${(error as Error).message}`);
    process.exit(1);
  });
}
