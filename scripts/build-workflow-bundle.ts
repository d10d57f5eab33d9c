import { join, relative, resolve } from 'node:path';
import { buildWorkflowBundle } from './lib/workflow-bundle';

/**
 * `npm run build:workflow-bundle [-- <file>]`: bundles workflows/ once, ahead of time (default
 * dist/workflow-bundle.js). Start the worker with `server/main.ts --role=worker --workflow-bundle=<file>` and
 * it loads this file instead of running webpack at start-up, so every replica runs byte-identical workflow code.
 * `npm run build` makes one too, beside the compiled central process.
 */
async function main() {
  const out = resolve(process.argv[2] ?? join(__dirname, '..', 'dist', 'workflow-bundle.js'));
  const { bytes } = await buildWorkflowBundle(out);
  console.log(
    `[latchkey] Wrote the workflow bundle to ${relative(process.cwd(), out)} (${Math.round(bytes / 1024)} KiB).`,
  );
}

main().catch((error: unknown) => {
  console.error(`[latchkey] building the workflow bundle failed: ${(error as Error).message}`);
  process.exit(1);
});
