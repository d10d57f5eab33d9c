import { DefaultFailureConverter } from '@temporalio/common';

/**
 * Loaded by path (failureConverterPath) because the workflow sandbox needs its own copy. Encoding the common
 * attributes moves failure messages and stack traces into an encrypted payload.
 */
export const failureConverter = new DefaultFailureConverter({ encodeCommonAttributes: true });
