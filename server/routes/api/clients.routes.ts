import { Router } from 'express';
import { ConflictError } from '../../../common/errors';
import type { AuditStore } from '../../db/audit.store';
import type { TenantsStore } from '../../db/tenants.store';
import { permit } from '../../http/api-permissions';
import { actorOf, principalOf } from '../../http/request-context';
import { parseInput } from '../../http/validate';
import type { ClientPolicyService } from '../../services/client-policy.service';
import { clientInScope } from './client-scope';
import { presentClient } from './presenters';
import { newClient, pageQuery, updateClient } from './schemas';

export function clientsRoutes(deps: { tenants: TenantsStore; audit: AuditStore; policy: ClientPolicyService }): Router {
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
    // A PATCH changes only the settings it names; the rest of the client's policy stays as it was.
    const updated = await deps.policy.replace(client, { ...client.settings, ...body.settings }, actorOf(request));
    response.json(presentClient(updated));
  });

  return router;
}
