import type { DataConverter } from '@temporalio/common';
import type { ClientKeySource } from '../crypto/client-keys';
import type { KeyRing } from '../crypto/keys';
import { centralCodecKeys } from './codec-keys';
import { createDataConverter } from './data-converter';
import type { EncryptionCodecOptions } from './encryption-codec';

/**
 * Payloads of a workflow that involves a client's agent (a password reset) are sealed with the codec key of that
 * client's current generation; everything else with the shared key. An agent therefore can read its own
 * client's resets and nothing more, even if it polls another client's task queue, and after a rotation it reads
 * nothing new unless it holds the new generation.
 */
export function createCentralDataConverter(
  shared: KeyRing,
  clientKeys: ClientKeySource,
  options?: EncryptionCodecOptions,
): DataConverter {
  return createDataConverter(centralCodecKeys(shared, clientKeys), options);
}
