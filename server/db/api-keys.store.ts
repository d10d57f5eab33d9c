import type { Secrets } from '../../common/crypto/secrets';
import { constantTimeEqual, randomToken } from '../../common/crypto/keys';
import type { Database } from './connect';
import type { Scope } from './scope';

export interface ApiKeyRow {
  id: string;
  msp_id: string;
  client_id: string | null;
  name: string;
  key_id: string;
  secret_hash: string;
  created_at: Date;
  revoked_at: Date | null;
}

export interface IssuedApiKey {
  id: string;
  /** Shown once, at creation; only its keyed hash is stored. */
  token: string;
}

const TOKEN_PATTERN = /^lk_([A-Za-z0-9_-]{12})_([A-Za-z0-9_-]{43})$/;

/**
 * API keys look like lk_<keyId>_<secret>. The key id is public and indexes the row; the secret is compared as
 * a keyed hash in constant time, so a database dump does not yield usable keys.
 */
export class ApiKeysStore {
  constructor(
    private readonly db: Database,
    private readonly secrets: Secrets,
  ) {}

  async issue(scope: Scope, name: string): Promise<IssuedApiKey> {
    const keyId = randomToken(9);
    const secret = randomToken(32);
    const [row] = await this.db('api_keys')
      .insert({
        msp_id: scope.mspId,
        client_id: scope.clientId,
        name,
        key_id: keyId,
        secret_hash: this.secrets.hash('api-key-hash', secret),
      })
      .returning('id');
    return { id: (row as { id: string }).id, token: `lk_${keyId}_${secret}` };
  }

  async authenticate(token: string): Promise<(Scope & { apiKeyId: string }) | undefined> {
    const match = TOKEN_PATTERN.exec(token);
    if (!match) return undefined;
    const [, keyId, secret] = match as unknown as [string, string, string];
    const row: ApiKeyRow | undefined = await this.db('api_keys')
      .where({ key_id: keyId })
      .whereNull('revoked_at')
      .first();
    if (!row || !constantTimeEqual(row.secret_hash, this.secrets.hash('api-key-hash', secret))) return undefined;
    return { apiKeyId: row.id, mspId: row.msp_id, clientId: row.client_id };
  }
}
