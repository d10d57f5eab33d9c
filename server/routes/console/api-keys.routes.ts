import express, { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import type { ApiKeyRecord, ApiKeysStore } from '../../db/api-keys.store';
import type { TenantsStore } from '../../db/tenants.store';
import type { RenderPage } from '../../http/page-renderer';
import { parseInput } from '../../http/validate';
import type { ApiKeysService } from '../../services/api-keys.service';
import { API_KEY_ROLES } from '../../../common/domain/api-key-roles';
import { NotFoundError } from '../../../common/errors';
import { newApiKey } from '../api/schemas';
import { calendarDay } from './audit-filter';
import { consoleOf, mayDo, UUID, type ConsoleKit } from './console-kit';
import { consoleTime } from './console-time';

export interface ConsoleApiKeysRoutesDeps {
  apiKeys: Pick<ApiKeysStore, 'list'>;
  /** The API's own issue and revoke rules (server/services/api-keys.service.ts). */
  apiKeyAdmin: ApiKeysService;
  tenants: Pick<TenantsStore, 'listClients'>;
  render: RenderPage;
}

/** The page shows this many keys, newest first; more than that is a list for the API, which pages. */
const LIST_LIMIT = 200;
const form = express.urlencoded({ extended: false, limit: '2kb' });
const expiresField = z.object({ expires: calendarDay.optional() });

const NOTICES = { revoked: 'The key was revoked; it no longer works.' };

/**
 * The MSP's API keys in the console (`/console/api-keys`): the list any role may read, and an admin's issue (the
 * token shown once, on the page that answers the form) and revoke, through the service the API uses.
 */
export function consoleApiKeysRoutes(deps: ConsoleApiKeysRoutesDeps, kit: ConsoleKit): Router {
  const router = Router();
  const { permit, withCsrf, chrome } = kit;

  const clientsOf = async (response: Response) =>
    (await deps.tenants.listClients(consoleOf(response).principal, { limit: LIST_LIMIT })).items;

  router.get('/api-keys', permit('read'), async (request, response) => {
    const { principal } = consoleOf(response);
    const [page, clients] = await Promise.all([
      deps.apiKeys.list(principal, { limit: LIST_LIMIT }),
      clientsOf(response),
    ]);
    const clientName = new Map(clients.map((client) => [client.id, client.name]));
    const done = request.query.done;
    response.type('html').send(
      deps.render('console-api-keys', {
        title: 'API keys',
        ...chrome(request, response),
        keys: page.items.map((key) => ({
          ...viewOf(key),
          scope: key.client_id ? (clientName.get(key.client_id) ?? key.client_id) : 'Whole MSP',
        })),
        more: !!page.nextCursor,
        clients,
        // The least a key may do is the form's default: more is a choice.
        roles: API_KEY_ROLES.map((role) => ({ value: role, selected: role === 'read_only' })),
        canIssue: mayDo(response, 'api_keys.issue'),
        canRevoke: mayDo(response, 'api_keys.revoke'),
        notice: typeof done === 'string' && done in NOTICES ? NOTICES[done as keyof typeof NOTICES] : undefined,
      }),
    );
  });

  router.post('/api-keys', permit('api_keys.issue'), form, withCsrf, async (request, response) => {
    const { principal, actor } = consoleOf(response);
    const body = fieldsOf(request);
    // A date picker's day, read as 00:00 UTC; the API's schema then checks it is in the future.
    const { expires } = parseInput(expiresField, { expires: body.expires || undefined }, 'form');
    const input = parseInput(
      newApiKey,
      {
        name: body.name,
        role: body.role,
        clientId: body.clientId || undefined,
        expiresAt: expires ? `${expires}T00:00:00Z` : undefined,
      },
      'form',
    );
    const { key, token } = await deps.apiKeyAdmin.issue(
      principal,
      {
        name: input.name,
        role: input.role,
        clientId: input.clientId ?? null,
        expiresAt: input.expiresAt ? new Date(input.expiresAt) : null,
      },
      actor,
    );
    const client = key.client_id ? (await clientsOf(response)).find((row) => row.id === key.client_id) : undefined;
    response.type('html').send(
      deps.render('console-api-key-issued', {
        title: `New API key: ${key.name}`,
        ...chrome(request, response),
        key: { ...viewOf(key), scope: client?.name ?? 'Whole MSP' },
        token,
      }),
    );
  });

  router.post('/api-keys/:apiKeyId/revoke', permit('api_keys.revoke'), form, withCsrf, async (request, response) => {
    const { principal, actor } = consoleOf(response);
    const apiKeyId = request.params.apiKeyId as string;
    if (!UUID.test(apiKeyId)) throw new NotFoundError('API key');
    await deps.apiKeyAdmin.revoke(principal, apiKeyId, actor);
    response.redirect(303, '/console/api-keys?done=revoked');
  });

  return router;
}

function fieldsOf(request: Request): Record<'name' | 'role' | 'clientId' | 'expires', string> {
  const body = (request.body ?? {}) as Record<string, unknown>;
  const text = (name: string) => (typeof body[name] === 'string' ? (body[name] as string) : '');
  return { name: text('name'), role: text('role'), clientId: text('clientId'), expires: text('expires') };
}

function viewOf(key: ApiKeyRecord) {
  return {
    id: key.id,
    name: key.name,
    role: key.role,
    keyId: key.key_id,
    created: consoleTime(key.created_at),
    expires: consoleTime(key.expires_at),
    expired: !!key.expires_at && new Date(key.expires_at).getTime() <= Date.now(),
    lastUsed: consoleTime(key.last_used_at),
    revoked: consoleTime(key.revoked_at),
  };
}
