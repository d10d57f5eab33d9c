import { Router } from 'express';
import { ConflictError, NotFoundError } from '../../../common/errors';
import type { AuditStore } from '../../db/audit.store';
import type { TenantsStore } from '../../db/tenants.store';
import { actorOf, principalOf } from '../../http/request-context';
import { ForbiddenError } from '../../../common/errors';
import { parseInput } from '../../http/validate';
import { presentClient } from './presenters';
import { newClient, pageQuery, updateClient, uuid } from './schemas';

export function clientsRoutes(deps: { tenants: TenantsStore; audit: AuditStore }): Router {
  const router = Router();

  router.post('/clients', async (request, response) => {
    const principal = principalOf(request);
    if (principal.clientId) throw new ForbiddenError('A key scoped to one client cannot create clients');
    const body = parseInput(newClient, request.body);
    const created = await deps.tenants.createClient(principal.mspId, body.name, body.settings);
    if (created === 'duplicate') throw new ConflictError(`A client named "${body.name}" already exists`);
    await deps.audit.record({ mspId: principal.mspId, clientId: created.id, actor: actorOf(request), action: 'client.created' });
    response.status(201).json(presentClient(created));
  });

  router.get('/clients', async (request, response) => {
    const page = parseInput(pageQuery, request.query, 'query');
    const result = await deps.tenants.listClients(principalOf(request), page);
    response.json({ items: result.items.map(presentClient), nextCursor: result.nextCursor });
  });

  router.get('/clients/:clientId', async (request, response) => {
    const clientId = parseInput(uuid, request.params.clientId, 'path.clientId');
    const client = await deps.tenants.getClient(principalOf(request), clientId);
    if (!client) throw new NotFoundError('Client');
    response.json(presentClient(client));
  });

  router.patch('/clients/:clientId', async (request, response) => {
    const clientId = parseInput(uuid, request.params.clientId, 'path.clientId');
    const client = await deps.tenants.getClient(principalOf(request), clientId);
    if (!client) throw new NotFoundError('Client');
    const body = parseInput(updateClient, request.body);
    const updated = await deps.tenants.updateSettings(client.id, { ...client.settings, ...body.settings });
    response.json(presentClient(updated));
  });

  return router;
}
