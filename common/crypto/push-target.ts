import type { PushTarget } from '../domain/device';
import { FieldCipher } from './field-cipher';
import type { Secrets } from './secrets';

/** The column a push target is sealed into; it is the cipher's associated data, so a value moved elsewhere fails. */
export const PUSH_TARGET_COLUMN = 'app_devices.push_target_encrypted';

/**
 * A Web Push subscription's keys let anyone who holds them encrypt to that browser, and an FCM token addresses
 * one phone: both are sealed at rest with the `push-target-encryption` key. The device API seals; the push
 * activity opens, with this same pair of functions.
 */
export function sealPushTarget(secrets: Secrets, target: PushTarget): string {
  return new FieldCipher(secrets.key('push-target-encryption')).encrypt(JSON.stringify(target), PUSH_TARGET_COLUMN);
}

export function openPushTarget(secrets: Secrets, sealed: string): PushTarget {
  return JSON.parse(new FieldCipher(secrets.key('push-target-encryption')).decrypt(sealed, PUSH_TARGET_COLUMN));
}
