import type { Database } from './connect';

export interface TechnicianPasskeyRow {
  id: string;
  technician_id: string;
  credential_id: string;
  public_key: string;
  counter: string | number;
  transports: string[];
  created_at: Date;
  last_used_at: Date | null;
}

/** Technicians' passkeys, and the single-use challenges of passkey sign-ins (kept as keyed hashes). */
export class TechnicianPasskeysStore {
  constructor(private readonly db: Database) {}

  async add(passkey: {
    technicianId: string;
    credentialId: string;
    publicKey: string;
    counter: number;
    transports: string[];
  }) {
    await this.db('technician_passkeys').insert({
      technician_id: passkey.technicianId,
      credential_id: passkey.credentialId,
      public_key: passkey.publicKey,
      counter: passkey.counter,
      transports: passkey.transports,
    });
  }

  async list(technicianId: string): Promise<TechnicianPasskeyRow[]> {
    return this.db('technician_passkeys').where({ technician_id: technicianId }).orderBy('created_at');
  }

  async byCredentialId(credentialId: string): Promise<TechnicianPasskeyRow | undefined> {
    return this.db('technician_passkeys').where({ credential_id: credentialId }).first();
  }

  async used(id: string, counter: number): Promise<void> {
    await this.db('technician_passkeys').where({ id }).update({ counter, last_used_at: this.db.fn.now() });
  }

  async issueChallenge(challengeHash: string, expiresAt: Date): Promise<void> {
    await this.db('console_passkey_challenges').where('expires_at', '<', new Date()).delete();
    await this.db('console_passkey_challenges').insert({ challenge_hash: challengeHash, expires_at: expiresAt });
  }

  /** Spends a challenge: true once, for an unexpired one; a second use of the same assertion finds none. */
  async consumeChallenge(challengeHash: string): Promise<boolean> {
    const deleted = await this.db('console_passkey_challenges')
      .where({ challenge_hash: challengeHash })
      .andWhere('expires_at', '>', new Date())
      .delete();
    return deleted === 1;
  }
}
