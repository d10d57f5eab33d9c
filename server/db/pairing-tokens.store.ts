import type { NewPairingToken, PairingTokensPort } from '../../activities/ports';
import type { Database } from './connect';

export interface PairingTokenRow {
  id: string;
  token_hash: string;
  user_id: string;
  client_id: string;
  enrollment_workflow_id: string | null;
  requires_match: boolean;
  secret_hash: string | null;
  expires_at: Date;
  redeemed_at: Date | null;
  completed_at: Date | null;
  created_at: Date;
}

/**
 * Single-use pairing tokens (migration 009). A token is stored only as its keyed hash; once redeemed it becomes a
 * pairing, whose secret (also a keyed hash) lets one device register within the pairing's life.
 */
export class PairingTokensStore implements PairingTokensPort {
  constructor(private readonly db: Database) {}

  async issue(token: NewPairingToken): Promise<{ id: string }> {
    return this.db.transaction(async (trx) => {
      // An older QR code for the same step stops working when a new one is shown: a photo of a screen left open
      // goes stale. Links are not superseded: the texted link and the done page's on-phone link are issued at
      // the same moment for the same step, and each is only ever in the hands of the phone's owner.
      if (token.requiresMatch)
        await trx('pairing_tokens')
          .where({ user_id: token.userId, redeemed_at: null, requires_match: true })
          .modify((query) =>
            token.enrollmentWorkflowId === null
              ? query.whereNull('enrollment_workflow_id')
              : query.where('enrollment_workflow_id', token.enrollmentWorkflowId),
          )
          .andWhere('expires_at', '>', trx.fn.now())
          .update({ expires_at: trx.fn.now() });
      const [row] = await trx('pairing_tokens')
        .insert({
          token_hash: token.tokenHash,
          user_id: token.userId,
          client_id: token.clientId,
          enrollment_workflow_id: token.enrollmentWorkflowId,
          requires_match: token.requiresMatch,
          expires_at: token.expiresAt,
        })
        .returning('id');
      return { id: (row as { id: string }).id };
    });
  }

  /**
   * Spends the token in one statement, so that two phones redeeming the same QR code at once cannot both win;
   * undefined when it is unknown, already used or expired, which the caller does not tell apart.
   */
  async redeem(tokenHash: string, secretHash: string): Promise<PairingTokenRow | undefined> {
    const [row] = await this.db('pairing_tokens')
      .where({ token_hash: tokenHash, redeemed_at: null })
      .andWhere('expires_at', '>', this.db.fn.now())
      .update({ redeemed_at: this.db.fn.now(), secret_hash: secretHash })
      .returning('*');
    return row as PairingTokenRow | undefined;
  }

  async find(pairingId: string): Promise<PairingTokenRow | undefined> {
    return this.db('pairing_tokens').where({ id: pairingId }).first();
  }

  /** A pairing registers one device: the first registration wins, any later one with the same secret is refused. */
  async complete(pairingId: string): Promise<boolean> {
    const moved = await this.db('pairing_tokens')
      .where({ id: pairingId, completed_at: null })
      .whereNotNull('redeemed_at')
      .update({ completed_at: this.db.fn.now() });
    return moved === 1;
  }

  /** The newest token issued for this enrollment's pairing step, for the enrollment page's poll. */
  async newestForEnrollment(userId: string, enrollmentWorkflowId: string): Promise<PairingTokenRow | undefined> {
    return this.db('pairing_tokens')
      .where({ user_id: userId, enrollment_workflow_id: enrollmentWorkflowId })
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .first();
  }
}
