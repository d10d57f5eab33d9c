import type { Secrets } from '../../common/crypto/secrets';
import { constantTimeEqual, randomToken } from '../../common/crypto/keys';
import type { Knex } from 'knex';
import type { Database } from './connect';

export interface AgentRow {
  id: string;
  client_id: string;
  name: string;
  token_id: string;
  token_hash: string;
  version: string | null;
  hostname: string | null;
  last_seen_at: Date | null;
  created_at: Date;
  revoked_at: Date | null;
}

const TOKEN_PATTERN = /^lka_([A-Za-z0-9_-]{12})_([A-Za-z0-9_-]{43})$/;

/** Agent credentials: like API keys, shown once and stored as a keyed hash, but bound to one client. */
export class AgentsStore {
  constructor(
    private readonly db: Database,
    private readonly secrets: Secrets,
  ) {}

  async issue(clientId: string, name: string): Promise<{ agent: AgentRow; token: string }> {
    const tokenId = randomToken(9);
    const secret = randomToken(32);
    const [agent] = await this.db('agents')
      .insert({
        client_id: clientId,
        name,
        token_id: tokenId,
        token_hash: this.secrets.hash('api-key-hash', `agent:${secret}`),
      })
      .returning('*');
    return { agent: agent as AgentRow, token: `lka_${tokenId}_${secret}` };
  }

  async authenticate(token: string): Promise<AgentRow | undefined> {
    const match = TOKEN_PATTERN.exec(token);
    if (!match) return undefined;
    const row: AgentRow | undefined = await this.db('agents')
      .where({ token_id: match[1] })
      .whereNull('revoked_at')
      .first();
    if (!row || !constantTimeEqual(row.token_hash, this.secrets.hash('api-key-hash', `agent:${match[2]}`)))
      return undefined;
    return row;
  }

  async recordHeartbeat(agentId: string, details: { version: string; hostname: string }): Promise<void> {
    await this.db('agents')
      .where({ id: agentId })
      .update({ ...details, last_seen_at: this.db.fn.now() });
  }

  async list(clientId: string): Promise<AgentRow[]> {
    return this.db('agents').where({ client_id: clientId }).orderBy('created_at');
  }

  /**
   * Revokes the credential; `alsoInTransaction` runs only if this call revoked it, in the same transaction, so the
   * key rotation a revocation causes commits with it or not at all.
   */
  async revoke(
    clientId: string,
    agentId: string,
    alsoInTransaction?: (trx: Knex.Transaction) => Promise<void>,
  ): Promise<boolean> {
    return this.db.transaction(async (trx) => {
      const updated = await trx('agents')
        .where({ id: agentId, client_id: clientId })
        .whereNull('revoked_at')
        .update({ revoked_at: trx.fn.now() });
      if (updated > 0) await alsoInTransaction?.(trx);
      return updated > 0;
    });
  }

  async get(clientId: string, agentId: string): Promise<AgentRow | undefined> {
    return this.db('agents').where({ id: agentId, client_id: clientId }).first();
  }
}
