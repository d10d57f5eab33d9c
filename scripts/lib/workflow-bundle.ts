import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';
import { FAILURE_CONVERTER_PATH } from '../../common/temporal/data-converter';

/**
 * Bundles workflows/ ahead of time into `out`. A worker given a prebuilt bundle takes the sandbox's converters
 * from the bundle, not from its own data converter, so the failure converter that seals failure messages goes in
 * here; without it, a workflow's failures would be written to history in clear.
 */
export async function buildWorkflowBundle(out: string): Promise<{ bytes: number }> {
  const { code } = await bundleWorkflowCode({
    workflowsPath: require.resolve('../../workflows'),
    failureConverterPath: FAILURE_CONVERTER_PATH,
  });
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, code);
  return { bytes: code.length };
}
