import type { DeviceRecord } from '../../activities/ports';
import type { DeviceProtection, DeviceRevocation, DeviceStatus } from '../../common/domain/device';
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

export interface NewDevice {
  id: string;
  userId: string;
  clientId: string;
  label: string;
  protection: DeviceProtection;
  secretHash: string;
  signingKey: string;
  sealingKey: string;
  webauthn: { credentialId: string; publicKey: string; counter: number; transports: string[] } | null;
  pinHash: string | null;
  push: { kind: string; encrypted: string } | null;
  pairingId: string;
  matchHash: string | null;
}

function revocation(db: Database, reason: DeviceRevocation) {
  return {
    status: 'revoked',
    revoked_at: db.fn.now(),
    revoked_reason: reason,
    push_kind: null,
    push_target_encrypted: null,
  };
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

  /**
   * pending_match → active, for this user only; any other device of the user that is still live is revoked as
   * `replaced` in the same transaction, so a user never has two devices a reset could go to.
   */
  async activate(deviceId: string, userId: string): Promise<boolean> {
    return this.db.transaction(async (trx) => {
      const moved = await trx('app_devices')
        .where({ id: deviceId, user_id: userId, status: 'pending_match' })
        .update({ status: 'active', activated_at: trx.fn.now(), match_hash: null });
      if (moved !== 1) return false;
      await trx('app_devices')
        .where({ user_id: userId })
        .whereNot({ id: deviceId })
        .whereNot({ status: 'revoked' })
        .update(revocation(trx, 'replaced'));
      return true;
    });
  }

  /** A new device, always pending until activated (at once, or after the number match). */
  async insert(device: NewDevice): Promise<void> {
    await this.db('app_devices').insert({
      id: device.id,
      user_id: device.userId,
      client_id: device.clientId,
      label: device.label,
      status: 'pending_match',
      protection: device.protection,
      secret_hash: device.secretHash,
      signing_key: device.signingKey,
      sealing_key: device.sealingKey,
      webauthn_credential_id: device.webauthn?.credentialId ?? null,
      webauthn_public_key: device.webauthn?.publicKey ?? null,
      webauthn_counter: device.webauthn?.counter ?? 0,
      webauthn_transports: device.webauthn ? JSON.stringify(device.webauthn.transports) : null,
      pin_hash: device.pinHash,
      push_kind: device.push?.kind ?? null,
      push_target_encrypted: device.push?.encrypted ?? null,
      pairing_id: device.pairingId,
      match_hash: device.matchHash,
    });
  }

  /** The full row, hashes included: for the device services only, never for a presenter as is. */
  async row(deviceId: string): Promise<DeviceRow | undefined> {
    return this.db('app_devices').where({ id: deviceId }).first();
  }

  async ofUser(userId: string): Promise<DeviceRow[]> {
    return this.db('app_devices').where({ user_id: userId }).orderBy('created_at', 'desc').orderBy('id', 'desc');
  }

  /** The device a pairing registered, if it is still waiting for its number to be picked. */
  async pendingOfPairing(pairingId: string): Promise<DeviceRow | undefined> {
    return this.db('app_devices').where({ pairing_id: pairingId, status: 'pending_match' }).first();
  }

  /** The user's active device paired through one of this enrollment's tokens, if any. */
  async activeOfEnrollment(userId: string, enrollmentWorkflowId: string): Promise<DeviceRow | undefined> {
    return this.db('app_devices')
      .join('pairing_tokens', 'pairing_tokens.id', 'app_devices.pairing_id')
      .where({ 'app_devices.user_id': userId, 'app_devices.status': 'active' })
      .andWhere('pairing_tokens.enrollment_workflow_id', enrollmentWorkflowId)
      .first('app_devices.*');
  }

  /** The newest device of this enrollment still waiting for its number to be picked. */
  async pendingOfEnrollment(userId: string, enrollmentWorkflowId: string): Promise<DeviceRow | undefined> {
    return this.db('app_devices')
      .join('pairing_tokens', 'pairing_tokens.id', 'app_devices.pairing_id')
      .where({ 'app_devices.user_id': userId, 'app_devices.status': 'pending_match' })
      .andWhere('pairing_tokens.enrollment_workflow_id', enrollmentWorkflowId)
      .orderBy('app_devices.created_at', 'desc')
      .first('app_devices.*');
  }

  /** This device's resets whose sealed password waits to be picked up, newest first. */
  async readyResetsOf(deviceId: string): Promise<{ id: string; created_at: Date }[]> {
    return this.db('password_resets')
      .where({ device_id: deviceId, picked_up_at: null })
      .whereNotNull('sealed_password')
      .orderBy('created_at', 'desc')
      .limit(20)
      .select('id', 'created_at');
  }

  async ofPairing(pairingId: string): Promise<DeviceRow | undefined> {
    return this.db('app_devices').where({ pairing_id: pairingId }).orderBy('created_at', 'desc').first();
  }

  /** Records that the device called in, at most once a minute, so routine polling does not write on every call. */
  async touch(deviceId: string): Promise<void> {
    await this.db('app_devices')
      .where({ id: deviceId })
      .andWhere((query) =>
        query.whereNull('last_seen_at').orWhere('last_seen_at', '<', this.db.raw("now() - interval '1 minute'")),
      )
      .update({ last_seen_at: this.db.fn.now() });
  }

  /** Returns whether this call revoked it (false when it was revoked already or is not this user's). */
  async revoke(deviceId: string, reason: DeviceRevocation, userId?: string): Promise<boolean> {
    const moved = await this.db('app_devices')
      .where({ id: deviceId })
      .modify((query) => void (userId && query.andWhere({ user_id: userId })))
      .whereNot({ status: 'revoked' })
      .update(revocation(this.db, reason));
    return moved === 1;
  }

  /**
   * Counts a wrong PIN and, at `maxFailures` in a row, revokes the device, in one statement so that parallel
   * guesses cannot slip past the count.
   */
  async recordPinFailure(
    deviceId: string,
    maxFailures: number,
  ): Promise<{ failures: number; revoked: boolean } | undefined> {
    const result = await this.db.raw(
      `UPDATE app_devices SET
         pin_failures = pin_failures + 1,
         status = CASE WHEN pin_failures + 1 >= ? THEN 'revoked' ELSE status END,
         revoked_at = CASE WHEN pin_failures + 1 >= ? THEN now() ELSE revoked_at END,
         revoked_reason = CASE WHEN pin_failures + 1 >= ? THEN 'pin_failures' ELSE revoked_reason END
       WHERE id = ? AND status <> 'revoked'
       RETURNING pin_failures, status`,
      [maxFailures, maxFailures, maxFailures, deviceId],
    );
    const row = (result.rows as { pin_failures: number; status: DeviceStatus }[])[0];
    // Undefined: already revoked, by a parallel guess or a technician; nothing more to count or to audit.
    if (!row) return undefined;
    return { failures: row.pin_failures, revoked: row.status === 'revoked' };
  }

  async clearPinFailures(deviceId: string): Promise<void> {
    await this.db('app_devices').where({ id: deviceId }).andWhere('pin_failures', '>', 0).update({ pin_failures: 0 });
  }

  async setWebauthnCounter(deviceId: string, counter: number): Promise<void> {
    await this.db('app_devices').where({ id: deviceId }).update({ webauthn_counter: counter });
  }

  async setPushTarget(deviceId: string, push: { kind: string; encrypted: string } | null): Promise<void> {
    await this.db('app_devices')
      .where({ id: deviceId })
      .update({ push_kind: push?.kind ?? null, push_target_encrypted: push?.encrypted ?? null });
  }

  async forgetPushTarget(deviceId: string): Promise<void> {
    await this.db('app_devices').where({ id: deviceId }).update({ push_kind: null, push_target_encrypted: null });
  }
}
