import { Router } from 'express';
import type { ApiKeysStore } from '../../db/api-keys.store';
import { permit, permitOnApiKey } from '../../http/api-permissions';
import { actorOf, principalOf } from '../../http/request-context';
import { parseInput } from '../../http/validate';
import type { ApiKeysService } from '../../services/api-keys.service';
import { presentApiKey } from './presenters';
import { newApiKey, pageQuery, uuid } from './schemas';

export interface ApiKeysRoutesDeps {
  apiKeys: Pick<ApiKeysStore, 'list'>;
  /** Issuing and revoking, shared with the console (server/services/api-keys.service.ts). */
  apiKeyAdmin: ApiKeysService;
}

/**
 * The MSP's API keys: list (never a secret or its hash), issue (the token is shown once) and revoke. Who may is
 * decided in api-permissions.ts; the service, shared with the console, audits; the store refuses to revoke the
 * MSP's last usable MSP-wide admin key.
 */
export function apiKeysRoutes(deps: ApiKeysRoutesDeps): Router {
  const router = Router();

  router.get('/api-keys', permit('read'), async (request, response) => {
    const page = await deps.apiKeys.list(principalOf(request), parseInput(pageQuery, request.query, 'query'));
    response.json({ items: page.items.map(presentApiKey), nextCursor: page.nextCursor });
  });

  router.post('/api-keys', permit('api_keys.issue'), async (request, response) => {
    const body = parseInput(newApiKey, request.body);
    const { key, token } = await deps.apiKeyAdmin.issue(
      principalOf(request),
      {
        name: body.name,
        role: body.role,
        clientId: body.clientId ?? null,
        expiresAt: body.expiresAt ? new Date(body.expiresAt) : null,
      },
      actorOf(request),
    );
    response.status(201).json({ ...presentApiKey(key), token });
  });

  const mayRevoke = permitOnApiKey('apiKeyId', 'api_keys.revoke_self', 'api_keys.revoke');
  router.post('/api-keys/:apiKeyId/revoke', mayRevoke, async (request, response) => {
    const apiKeyId = parseInput(uuid, request.params.apiKeyId, 'path.apiKeyId');
    response.json(presentApiKey(await deps.apiKeyAdmin.revoke(principalOf(request), apiKeyId, actorOf(request))));
  });

  return router;
}
