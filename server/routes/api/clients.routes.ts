import { Router } from 'express';
import { clientSettingsSchema, type ClientSettings } from '../../../common/domain/client-policy';
import { ConflictError } from '../../../common/errors';
import type { AuditStore, AuditValue } from '../../db/audit.store';
import type { TenantsStore } from '../../db/tenants.store';
import { permit } from '../../http/api-permissions';
import { actorOf, principalOf } from '../../http/request-context';
import { parseInput } from '../../http/validate';
import { clientInScope } from './client-scope';
import { presentClient } from './presenters';
import { newClient, pageQuery, updateClient } from './schemas';

const POLICY_KEYS = new Set(Object.keys(clientSettingsSchema.shape));

/** Only the settings the policy schema knows, so nothing else a row's settings might one day hold reaches the log. */
function policyOf(settings: ClientSettings): Record<string, AuditValue> {
  return Object.fromEntries(
    Object.entries(settings).filter(([key, value]) => POLICY_KEYS.has(key) && value !== undefined),
  ) as Record<string, AuditValue>;
}

export function clientsRoutes(deps: { tenants: TenantsStore; audit: AuditStore }): Router {
  const router = Router();

  router.post('/clients', permit('clients.create'), async (request, response) => {
    const principal = principalOf(request);
    const body = parseInput(newClient, request.body);
    const created = await deps.tenants.createClient(principal.mspId, body.name, body.settings);
    if (created === 'duplicate') throw new ConflictError(`A client named "${body.name}" already exists`);
    await deps.audit.record({
      mspId: principal.mspId,
      clientId: created.id,
      actor: actorOf(request),
      action: 'client.created',
    });
    response.status(201).json(presentClient(created));
  });

  router.get('/clients', permit('read'), async (request, response) => {
    const page = parseInput(pageQuery, request.query, 'query');
    const result = await deps.tenants.listClients(principalOf(request), page);
    response.json({ items: result.items.map(presentClient), nextCursor: result.nextCursor });
  });

  router.get('/clients/:clientId', permit('read'), async (request, response) => {
    response.json(presentClient(await clientInScope(deps.tenants, request)));
  });

  router.patch('/clients/:clientId', permit('clients.change_policy'), async (request, response) => {
    const client = await clientInScope(deps.tenants, request);
    const body = parseInput(updateClient, request.body);
    const updated = await deps.tenants.updateSettings(client.id, { ...client.settings, ...body.settings });
    await deps.audit.record({
      mspId: client.msp_id,
      clientId: client.id,
      actor: actorOf(request),
      action: 'client.settings_changed',
      detail: { before: policyOf(client.settings), after: policyOf(updated.settings) },
    });
    response.json(presentClient(updated));
  });

  return router;
}
