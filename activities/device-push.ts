import { FieldCipher } from '../common/crypto/field-cipher';
import type { PushTarget } from '../common/domain/device';
import type { OutgoingPush } from '../plugins/types';
import type { ActivityDeps } from './deps';

const PUSH_TARGET_COLUMN = 'app_devices.push_target_encrypted';

/** How a push to a device went: `gone` means the push service forgot the subscription, which is then deleted. */
export type DevicePushOutcome = 'sent' | 'no_target' | 'unreadable' | 'gone' | 'failed';

/**
 * The one way the central worker pushes to a paired device, for resets and lockouts alike: open its sealed push
 * target, send through the configured provider, and forget a target the push service says is gone. Pushes are a
 * hint (the app also asks on open), so nothing here throws.
 */
export function createDevicePush(deps: Pick<ActivityDeps, 'stores' | 'secrets' | 'push'>) {
  const pushTargets = new FieldCipher(deps.secrets.key('push-target-encryption'));
  return async function pushToDevice(
    device: { id: string; pushTargetEncrypted: string | null },
    push: Omit<OutgoingPush, 'target'>,
  ): Promise<DevicePushOutcome> {
    if (!deps.push || !device.pushTargetEncrypted) return 'no_target';
    let target: PushTarget;
    try {
      target = JSON.parse(pushTargets.decrypt(device.pushTargetEncrypted, PUSH_TARGET_COLUMN)) as PushTarget;
    } catch {
      return 'unreadable';
    }
    if (!deps.push.targets.includes(target.kind)) return 'no_target';
    try {
      await deps.push.send({ ...push, target });
      return 'sent';
    } catch (error) {
      if (error instanceof Error && error.name === 'PushTargetGone') {
        await deps.stores.devices.forgetPushTarget(device.id);
        return 'gone';
      }
      return 'failed';
    }
  };
}
