import type { Secrets } from '../../common/crypto/secrets';
import { constantTimeEqual, randomToken } from '../../common/crypto/keys';
import type { ApiKeyRole } from '../../common/domain/api-key-roles';
import type { Database } from './connect';
import { pageBy, type Page, type PageRequest } from './paging';
import type { Scope } from './scope';

export interface ApiKeyRow {
  id: string;
  msp_id: string;
  client_id: string | null;
  name: string;
  key_id: string;
  secret_hash: string;
  role: ApiKeyRole;
  created_at: Date;
  expires_at: Date | null;
  last_used_at: Date | null;
  revoked_at: Date | null;
}

/** A row without its secret's hash: what listing and reading hand out. */
export type ApiKeyRecord = Omit<ApiKeyRow, 'secret_hash'>;

export interface IssuedApiKey {
  id: string;
  /** Shown once, at creation; only its keyed hash is stored. */
  token: string;
}

/** The key behind a request: its scope, its role and its row's id. */
export interface AuthenticatedApiKey extends Scope {
  apiKeyId: string;
  role: ApiKeyRole;
}

export type ApiKeyCheck =
  | { status: 'valid'; key: AuthenticatedApiKey }
  /** The secret matched, but the key's expiry has passed: the caller is told so, unlike for a wrong key. */
  | { status: 'expired' }
  | { status: 'invalid' };

export type RevokeOutcome = 'revoked' | 'already_revoked' | 'not_found' | 'last_admin';

const TOKEN_PATTERN = /^lk_([A-Za-z0-9_-]{12})_([A-Za-z0-9_-]{43})$/;

/** A busy key writes its last-used time at most this often, not on every request. */
export const LAST_USED_PRECISION_MS = 60_000;

const RECORD_COLUMNS = [
  'id',
  'msp_id',
  'client_id',
  'name',
  'key_id',
  'role',
  'created_at',
  'expires_at',
  'last_used_at',
  'revoked_at',
] as const;

/**
 * API keys look like lk_<keyId>_<secret>. The key id is public and indexes the row; the secret is compared as
 * a keyed hash in constant time, so a database dump does not yield usable keys.
 */
export class ApiKeysStore {
  constructor(
    private readonly db: Database,
    private readonly secrets: Secrets,
  ) {}

  async issue(
    scope: Scope,
    name: string,
    options: { role?: ApiKeyRole; expiresAt?: Date | null } = {},
  ): Promise<IssuedApiKey> {
    const keyId = randomToken(9);
    const secret = randomToken(32);
    const [row] = await this.db('api_keys')
      .insert({
        msp_id: scope.mspId,
        client_id: scope.clientId,
        name,
        key_id: keyId,
        secret_hash: this.secrets.hash('api-key-hash', secret),
        role: options.role ?? 'admin',
        expires_at: options.expiresAt ?? null,
      })
      .returning('id');
    return { id: (row as { id: string }).id, token: `lk_${keyId}_${secret}` };
  }

  async authenticate(token: string, now = new Date()): Promise<ApiKeyCheck> {
    const match = TOKEN_PATTERN.exec(token);
    if (!match) return { status: 'invalid' };
    const [, keyId, secret] = match as unknown as [string, string, string];
    const row: ApiKeyRow | undefined = await this.db('api_keys')
      .where({ key_id: keyId })
      .whereNull('revoked_at')
      .first();
    if (!row || !constantTimeEqual(row.secret_hash, this.secrets.hash('api-key-hash', secret)))
      return { status: 'invalid' };
    if (row.expires_at && new Date(row.expires_at).getTime() <= now.getTime()) return { status: 'expired' };
    await this.touch(row, now);
    return {
      status: 'valid',
      key: { apiKeyId: row.id, mspId: row.msp_id, clientId: row.client_id, role: row.role },
    };
  }

  /**
   * Writes the last-used time when the stored one is a minute old or more. The condition is repeated in the
   * UPDATE, so that concurrent requests of one key still write once.
   */
  private async touch(row: ApiKeyRow, now: Date): Promise<void> {
    const threshold = new Date(now.getTime() - LAST_USED_PRECISION_MS);
    if (row.last_used_at && new Date(row.last_used_at) > threshold) return;
    await this.db('api_keys')
      .where({ id: row.id })
      .andWhere((where) => where.whereNull('last_used_at').orWhere('last_used_at', '<=', threshold))
      .update({ last_used_at: now });
  }

  /** The keys a scope may see: a client-scoped scope sees only its client's keys, never the MSP-wide ones. */
  async list(scope: Scope, page: PageRequest): Promise<Page<ApiKeyRecord>> {
    return pageBy<ApiKeyRecord>(this.visibleTo(scope).select(RECORD_COLUMNS), 'api_keys', page);
  }

  async get(scope: Scope, id: string): Promise<ApiKeyRecord | undefined> {
    return this.visibleTo(scope).where({ id }).first(RECORD_COLUMNS);
  }

  /**
   * Revokes a key of the scope. The MSP's usable MSP-wide admin keys are locked first, always in id order, so
   * that two of them revoking each other at once neither deadlock nor both succeed: the second sees the first's
   * revocation once it has the lock, and an MSP always keeps one key that can issue the others.
   */
  async revoke(scope: Scope, id: string, now = new Date()): Promise<RevokeOutcome> {
    return this.db.transaction(async (trx) => {
      const admins: Array<{ id: string }> = await trx('api_keys')
        .where({ msp_id: scope.mspId, role: 'admin' })
        .whereNull('client_id')
        .whereNull('revoked_at')
        .andWhere((where) => where.whereNull('expires_at').orWhere('expires_at', '>', now))
        .orderBy('id')
        .forUpdate()
        .select('id');
      const target: ApiKeyRecord | undefined = await this.visibleTo(scope, trx).where({ id }).forUpdate().first();
      if (!target) return 'not_found';
      if (target.revoked_at) return 'already_revoked';
      if (admins.length === 1 && admins[0]!.id === target.id) return 'last_admin';
      await trx('api_keys').where({ id }).update({ revoked_at: now });
      return 'revoked';
    });
  }

  private visibleTo(scope: Scope, db: Database = this.db) {
    const query = db('api_keys').where({ 'api_keys.msp_id': scope.mspId });
    if (scope.clientId) query.andWhere({ 'api_keys.client_id': scope.clientId });
    return query;
  }
}
