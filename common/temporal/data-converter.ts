import type { DataConverter } from '@temporalio/common';
import type { CodecKeys } from './codec-keys';
import { EncryptionCodec, type EncryptionCodecOptions } from './encryption-codec';

/**
 * The one data converter that every client, worker and agent uses. `encodeCommonAttributes` moves failure
 * messages and stack traces into an encoded payload too; without it an activity error that quoted a phone
 * number would sit readable in history.
 */
/**
 * The failure converter's module, by path: the workflow sandbox loads its own copy, so a prebuilt workflow bundle
 * must be built with this same path (scripts/lib/workflow-bundle.ts), or workflow failures leave in clear.
 */
export const FAILURE_CONVERTER_PATH = require.resolve('./failure-converter');

export function createDataConverter(codecKeys: CodecKeys, options?: EncryptionCodecOptions): DataConverter {
  return {
    payloadCodecs: [new EncryptionCodec(codecKeys, options)],
    failureConverterPath: FAILURE_CONVERTER_PATH,
  };
}
