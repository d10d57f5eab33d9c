import type { DeviceRecord } from '../../activities/ports';
import type { DeviceProtection, DeviceStatus } from '../../common/domain/device';
import type { Database } from './connect';

export interface DeviceRow {
  id: string;
  user_id: string;
  client_id: string;
  label: string;
  status: DeviceStatus;
  protection: DeviceProtection;
  secret_hash: string;
  signing_key: string;
  sealing_key: string;
  webauthn_credential_id: string | null;
  webauthn_public_key: string | null;
  webauthn_counter: string | number;
  webauthn_transports: string[] | null;
  pin_hash: string | null;
  pin_failures: number;
  push_kind: string | null;
  push_target_encrypted: string | null;
  pairing_id: string | null;
  match_hash: string | null;
  created_at: Date;
  activated_at: Date | null;
  last_seen_at: Date | null;
  revoked_at: Date | null;
  revoked_reason: string | null;
}

export function toDeviceRecord(row: DeviceRow): DeviceRecord {
  return {
    id: row.id,
    userId: row.user_id,
    clientId: row.client_id,
    label: row.label,
    status: row.status,
    protection: row.protection,
    sealingKey: row.sealing_key,
    pushTargetEncrypted: row.push_target_encrypted,
  };
}

/** The app's paired devices (migration 009). Every query names the device's user or its own id, never a list. */
export class DevicesStore {
  constructor(private readonly db: Database) {}

  async activeDeviceOf(userId: string): Promise<DeviceRecord | undefined> {
    const row: DeviceRow | undefined = await this.db('app_devices')
      .where({ user_id: userId, status: 'active' })
      .orderBy('activated_at', 'desc')
      .first();
    return row && toDeviceRecord(row);
  }

  async find(deviceId: string): Promise<DeviceRecord | undefined> {
    const row: DeviceRow | undefined = await this.db('app_devices').where({ id: deviceId }).first();
    return row && toDeviceRecord(row);
  }

  async activate(deviceId: string, userId: string): Promise<boolean> {
    const moved = await this.db('app_devices')
      .where({ id: deviceId, user_id: userId, status: 'pending_match' })
      .update({ status: 'active', activated_at: this.db.fn.now(), match_hash: null });
    return moved === 1;
  }

  async forgetPushTarget(deviceId: string): Promise<void> {
    await this.db('app_devices').where({ id: deviceId }).update({ push_kind: null, push_target_encrypted: null });
  }
}
