import type { DeviceAction } from '../../common/domain/device';
import type { Database } from './connect';

export interface DeviceChallengeRow {
  id: string;
  device_id: string;
  action: DeviceAction;
  subject: string | null;
  challenge_hash: string;
  expires_at: Date;
  used_at: Date | null;
  created_at: Date;
}

/** The single-use challenges an app action signs (migration 009): each bound to a device, an action and a subject. */
export class DeviceChallengesStore {
  constructor(private readonly db: Database) {}

  async create(challenge: {
    id: string;
    deviceId: string;
    action: DeviceAction;
    subject: string | null;
    challengeHash: string;
    expiresAt: Date;
  }): Promise<void> {
    await this.db('device_challenges').insert({
      id: challenge.id,
      device_id: challenge.deviceId,
      action: challenge.action,
      subject: challenge.subject,
      challenge_hash: challenge.challengeHash,
      expires_at: challenge.expiresAt,
    });
  }

  /**
   * Marks the challenge used in one statement, whatever the answer turns out to be: a challenge is answered once,
   * right or wrong, so a wrong PIN or a replayed signature cannot be tried against it again.
   */
  async consume(challengeId: string, deviceId: string): Promise<DeviceChallengeRow | undefined> {
    const [row] = await this.db('device_challenges')
      .where({ id: challengeId, device_id: deviceId, used_at: null })
      .andWhere('expires_at', '>', this.db.fn.now())
      .update({ used_at: this.db.fn.now() })
      .returning('*');
    return row as DeviceChallengeRow | undefined;
  }
}
