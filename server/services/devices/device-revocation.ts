import { NotFoundError } from '../../../common/errors';
import type { AuditStore } from '../../db/audit.store';
import type { DeviceRow, DevicesStore } from '../../db/devices.store';
import type { DeviceNotices } from './device-notices';

export interface DeviceRevocationDeps {
  devices: Pick<DevicesStore, 'ofUser' | 'revoke' | 'row'>;
  audit: Pick<AuditStore, 'recordForUser'>;
  /** The owner's email that their phone was removed: someone else asking the help desk is told to them. */
  notices: Pick<DeviceNotices, 'removed'>;
}

/**
 * A technician removes one of a user's app devices: the API and the console both call this, so the device must
 * be that user's (another's is not found), and the audit row and the owner's email follow only a real change.
 * Returns the device as it is afterwards.
 */
export async function revokeDeviceForTechnician(
  deps: DeviceRevocationDeps,
  request: { userId: string; deviceId: string; actor: string },
): Promise<DeviceRow> {
  const device = (await deps.devices.ofUser(request.userId)).find((row) => row.id === request.deviceId);
  if (!device) throw new NotFoundError('Device');
  if (await deps.devices.revoke(device.id, 'technician', request.userId)) {
    await deps.audit.recordForUser({
      userId: request.userId,
      actor: request.actor,
      action: 'device.revoked',
      detail: { deviceId: device.id, reason: 'technician' },
    });
    await deps.notices.removed(request.userId, device.label, 'technician');
  }
  return (await deps.devices.row(device.id))!;
}
