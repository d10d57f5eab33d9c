import type { DataConverter } from '@temporalio/common';
import type { KeyRing } from '../crypto/keys';
import { EncryptionCodec, type ChooseKeyId } from './encryption-codec';

/**
 * The one data converter that every client, worker and agent uses. `encodeCommonAttributes` moves failure
 * messages and stack traces into an encoded payload too; without it an activity error that quoted a phone
 * number would sit readable in history.
 */
export function createDataConverter(codecKeys: KeyRing, chooseKeyId?: ChooseKeyId): DataConverter {
  return {
    payloadCodecs: [new EncryptionCodec(codecKeys, chooseKeyId)],
    failureConverterPath: require.resolve('./failure-converter'),
  };
}
