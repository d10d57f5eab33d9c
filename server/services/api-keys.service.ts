import { ConflictError, NotFoundError } from '../../common/errors';
import type { ApiKeyRole } from '../../common/domain/api-key-roles';
import type { ApiKeyRecord, ApiKeysStore } from '../db/api-keys.store';
import type { AuditStore } from '../db/audit.store';
import type { Scope } from '../db/scope';
import type { TenantsStore } from '../db/tenants.store';

export interface ApiKeysServiceDeps {
  apiKeys: Pick<ApiKeysStore, 'issue' | 'get' | 'revoke'>;
  tenants: Pick<TenantsStore, 'getClient'>;
  audit: Pick<AuditStore, 'record'>;
}

export interface NewApiKey {
  name: string;
  role: ApiKeyRole;
  /** Scope the key to this client of the caller's; null, the key sees the whole MSP. */
  clientId: string | null;
  expiresAt: Date | null;
}

export const LAST_ADMIN_KEY_MESSAGE =
  "This is the MSP's last usable MSP-wide admin key; issue another admin key before revoking it, so that the MSP is not locked out";

/**
 * Issuing and revoking an MSP's API keys, audited under whoever did it, for the API and the console alike. The
 * token is returned once and stored only as a keyed hash (api-keys.store.ts); the store keeps the last admin key.
 */
export class ApiKeysService {
  constructor(private readonly deps: ApiKeysServiceDeps) {}

  /** `scope` is the caller's; a client it cannot see is not found, as one that does not exist. */
  async issue(scope: Scope, input: NewApiKey, actor: string): Promise<{ key: ApiKeyRecord; token: string }> {
    if (input.clientId && !(await this.deps.tenants.getClient(scope, input.clientId)))
      throw new NotFoundError('Client');
    const issued = await this.deps.apiKeys.issue({ mspId: scope.mspId, clientId: input.clientId }, input.name, {
      role: input.role,
      expiresAt: input.expiresAt,
    });
    const key = (await this.deps.apiKeys.get(scope, issued.id))!;
    await this.deps.audit.record({
      mspId: scope.mspId,
      clientId: key.client_id,
      actor,
      action: 'api_key.issued',
      detail: { apiKeyId: key.id, name: key.name, role: key.role, expiresAt: input.expiresAt?.toISOString() ?? null },
    });
    return { key, token: issued.token };
  }

  /** The key after revocation; revoking twice audits once. Throws 404 and the last-admin-key refusal. */
  async revoke(scope: Scope, apiKeyId: string, actor: string): Promise<ApiKeyRecord> {
    return (await this.revokeOnce(scope, apiKeyId, actor)).key;
  }

  /** As `revoke`, and says whether the key had been revoked already (the CLI tells the two apart). */
  async revokeOnce(scope: Scope, apiKeyId: string, actor: string): Promise<{ key: ApiKeyRecord; already: boolean }> {
    const outcome = await this.deps.apiKeys.revoke(scope, apiKeyId);
    if (outcome === 'not_found') throw new NotFoundError('API key');
    if (outcome === 'last_admin') throw new ConflictError(LAST_ADMIN_KEY_MESSAGE);
    const revoked = (await this.deps.apiKeys.get(scope, apiKeyId))!;
    if (outcome === 'revoked') {
      await this.deps.audit.record({
        mspId: revoked.msp_id,
        clientId: revoked.client_id,
        actor,
        action: 'api_key.revoked',
        // A key that revokes itself is the actor under its own id (api-key:<id>).
        detail: { apiKeyId, name: revoked.name, role: revoked.role, self: actor === `api-key:${apiKeyId}` },
      });
    }
    return { key: revoked, already: outcome === 'already_revoked' };
  }
}
