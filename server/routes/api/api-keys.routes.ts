import { Router } from 'express';
import { ConflictError, NotFoundError } from '../../../common/errors';
import type { ApiKeysStore } from '../../db/api-keys.store';
import type { AuditStore } from '../../db/audit.store';
import type { TenantsStore } from '../../db/tenants.store';
import { permit, permitOnApiKey } from '../../http/api-permissions';
import { actorOf, principalOf } from '../../http/request-context';
import { parseInput } from '../../http/validate';
import { presentApiKey } from './presenters';
import { newApiKey, pageQuery, uuid } from './schemas';

export interface ApiKeysRoutesDeps {
  apiKeys: ApiKeysStore;
  tenants: TenantsStore;
  audit: AuditStore;
}

/**
 * The MSP's API keys: list (never a secret or its hash), issue (the token is shown once) and revoke. Who may is
 * decided in api-permissions.ts; the store refuses to revoke the MSP's last usable MSP-wide admin key.
 */
export function apiKeysRoutes(deps: ApiKeysRoutesDeps): Router {
  const router = Router();

  router.get('/api-keys', permit('read'), async (request, response) => {
    const page = await deps.apiKeys.list(principalOf(request), parseInput(pageQuery, request.query, 'query'));
    response.json({ items: page.items.map(presentApiKey), nextCursor: page.nextCursor });
  });

  router.post('/api-keys', permit('api_keys.issue'), async (request, response) => {
    const principal = principalOf(request);
    const body = parseInput(newApiKey, request.body);
    if (body.clientId && !(await deps.tenants.getClient(principal, body.clientId))) throw new NotFoundError('Client');
    const scope = { mspId: principal.mspId, clientId: body.clientId ?? null };
    const issued = await deps.apiKeys.issue(scope, body.name, {
      role: body.role,
      expiresAt: body.expiresAt ? new Date(body.expiresAt) : null,
    });
    const created = (await deps.apiKeys.get(principal, issued.id))!;
    await deps.audit.record({
      mspId: principal.mspId,
      clientId: created.client_id,
      actor: actorOf(request),
      action: 'api_key.issued',
      detail: { apiKeyId: created.id, name: created.name, role: created.role, expiresAt: body.expiresAt ?? null },
    });
    response.status(201).json({ ...presentApiKey(created), token: issued.token });
  });

  const mayRevoke = permitOnApiKey('apiKeyId', 'api_keys.revoke_self', 'api_keys.revoke');
  router.post('/api-keys/:apiKeyId/revoke', mayRevoke, async (request, response) => {
    const principal = principalOf(request);
    const apiKeyId = parseInput(uuid, request.params.apiKeyId, 'path.apiKeyId');
    const self = apiKeyId === principal.apiKeyId;
    const outcome = await deps.apiKeys.revoke(principal, apiKeyId);
    if (outcome === 'not_found') throw new NotFoundError('API key');
    if (outcome === 'last_admin')
      throw new ConflictError(
        "This is the MSP's last usable MSP-wide admin key; issue another admin key before revoking it, so that the MSP is not locked out",
      );
    const revoked = (await deps.apiKeys.get(principal, apiKeyId))!;
    if (outcome === 'revoked') {
      await deps.audit.record({
        mspId: revoked.msp_id,
        clientId: revoked.client_id,
        actor: actorOf(request),
        action: 'api_key.revoked',
        detail: { apiKeyId, name: revoked.name, role: revoked.role, self },
      });
    }
    response.json(presentApiKey(revoked));
  });

  return router;
}
