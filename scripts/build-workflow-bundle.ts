import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';

/**
 * `npm run build:workflow-bundle [-- <file>]`: bundles workflows/ once, ahead of time (default
 * dist/workflow-bundle.js). Start the worker with `server/main.ts --role=worker --workflow-bundle=<file>` and
 * it loads this file instead of running webpack at start-up, so every replica runs byte-identical workflow code.
 */
async function main() {
  const root = join(__dirname, '..');
  const out = resolve(process.argv[2] ?? join(root, 'dist', 'workflow-bundle.js'));
  const { code } = await bundleWorkflowCode({ workflowsPath: require.resolve('../workflows') });
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, code);
  console.log(
    `[latchkey] Wrote the workflow bundle to ${relative(process.cwd(), out)} (${Math.round(code.length / 1024)} KiB).`,
  );
}

main().catch((error: unknown) => {
  console.error(`[latchkey] building the workflow bundle failed: ${(error as Error).message}`);
  process.exit(1);
});
