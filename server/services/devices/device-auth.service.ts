import type { Secrets } from '../../../common/crypto/secrets';
import { constantTimeEqual } from '../../../common/crypto/keys';
import { AuthenticationError, LatchkeyError } from '../../../common/errors';
import type { DeviceRow, DevicesStore } from '../../db/devices.store';
import { hashDeviceSecret } from './device-secrets';

const DEVICE_ID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export class DeviceRevokedError extends LatchkeyError {
  constructor() {
    super(
      'This phone has been removed from your account. Text PAIR to the service number to pair it again.',
      'device_revoked',
    );
  }
}

/**
 * `Authorization: Device <deviceId>.<deviceSecret>`: which device calls. It proves only that the caller holds
 * the secret from registration; every action also needs the device's signing key and user verification.
 */
export class DeviceAuthService {
  constructor(private readonly deps: { devices: DevicesStore; secrets: Secrets }) {}

  async authenticate(credential: string | undefined): Promise<DeviceRow> {
    const refused = new AuthenticationError('This phone is not paired: send "Authorization: Device <id>.<secret>"');
    const [deviceId, secret, extra] = (credential ?? '').split('.');
    if (!deviceId || !secret || extra !== undefined || !DEVICE_ID_PATTERN.test(deviceId)) throw refused;
    const row = await this.deps.devices.row(deviceId);
    const presented = hashDeviceSecret(this.deps.secrets, secret);
    if (!row || !constantTimeEqual(presented, row.secret_hash)) throw refused;
    if (row.status === 'revoked') throw new DeviceRevokedError();
    await this.deps.devices.touch(row.id);
    return row;
  }
}
