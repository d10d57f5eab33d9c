import { Router } from 'express';
import { ConflictError, ForbiddenError } from '../../../common/errors';
import type { AuditStore } from '../../db/audit.store';
import type { TenantsStore } from '../../db/tenants.store';
import { actorOf, principalOf } from '../../http/request-context';
import { parseInput } from '../../http/validate';
import { clientInScope } from './client-scope';
import { presentClient } from './presenters';
import { newClient, pageQuery, updateClient } from './schemas';

export function clientsRoutes(deps: { tenants: TenantsStore; audit: AuditStore }): Router {
  const router = Router();

  router.post('/clients', async (request, response) => {
    const principal = principalOf(request);
    if (principal.clientId) throw new ForbiddenError('A key scoped to one client cannot create clients');
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

  router.get('/clients', async (request, response) => {
    const page = parseInput(pageQuery, request.query, 'query');
    const result = await deps.tenants.listClients(principalOf(request), page);
    response.json({ items: result.items.map(presentClient), nextCursor: result.nextCursor });
  });

  router.get('/clients/:clientId', async (request, response) => {
    response.json(presentClient(await clientInScope(deps.tenants, request)));
  });

  router.patch('/clients/:clientId', async (request, response) => {
    const client = await clientInScope(deps.tenants, request);
    const body = parseInput(updateClient, request.body);
    const updated = await deps.tenants.updateSettings(client.id, { ...client.settings, ...body.settings });
    response.json(presentClient(updated));
  });

  return router;
}
