import type { DataConverter } from '@temporalio/common';
import type { CodecKeys } from './codec-keys';
import { EncryptionCodec, type EncryptionCodecOptions } from './encryption-codec';

/**
 * The one data converter that every client, worker and agent uses. `encodeCommonAttributes` moves failure
 * messages and stack traces into an encoded payload too; without it an activity error that quoted a phone
 * number would sit readable in history.
 */
export function createDataConverter(codecKeys: CodecKeys, options?: EncryptionCodecOptions): DataConverter {
  return {
    payloadCodecs: [new EncryptionCodec(codecKeys, options)],
    failureConverterPath: require.resolve('./failure-converter'),
  };
}
