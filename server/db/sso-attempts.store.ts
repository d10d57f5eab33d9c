import type { Database } from './connect';

/** A single sign-on in flight: what the callback must find to accept the identity provider's answer. */
export interface SsoAttempt {
  mspId: string;
  nonce: string;
  codeVerifierSealed: string;
}

/** Sign-ins sent to an identity provider, named by the keyed hash of their `state`; each is spent once. */
export class SsoAttemptsStore {
  constructor(private readonly db: Database) {}

  async issue(stateHash: string, attempt: SsoAttempt, expiresAt: Date): Promise<void> {
    // Expired attempts go on the way in, as passkey challenges do: the table holds only the last few minutes.
    await this.db('console_sso_attempts').where('expires_at', '<', new Date()).delete();
    await this.db('console_sso_attempts').insert({
      state_hash: stateHash,
      msp_id: attempt.mspId,
      nonce: attempt.nonce,
      code_verifier_sealed: attempt.codeVerifierSealed,
      expires_at: expiresAt,
    });
  }

  /** Spends the attempt: it is returned once, if unexpired; a replayed callback finds nothing. */
  async consume(stateHash: string): Promise<SsoAttempt | undefined> {
    const [row] = await this.db('console_sso_attempts')
      .where({ state_hash: stateHash })
      .andWhere('expires_at', '>', new Date())
      .delete()
      .returning(['msp_id', 'nonce', 'code_verifier_sealed']);
    if (!row) return undefined;
    return { mspId: row.msp_id, nonce: row.nonce, codeVerifierSealed: row.code_verifier_sealed };
  }
}
