import { Router } from 'express';
import { NotFoundError } from '../../../common/errors';
import type { AuditStore } from '../../db/audit.store';
import type { TenantsStore } from '../../db/tenants.store';
import { permit } from '../../http/api-permissions';
import { principalOf } from '../../http/request-context';
import { parseInput } from '../../http/validate';
import { presentAuditEvent } from './presenters';
import { auditQuery } from './schemas';

export function auditRoutes(deps: { audit: AuditStore; tenants: TenantsStore }): Router {
  const router = Router();

  router.get('/audit-events', permit('read'), async (request, response) => {
    const principal = principalOf(request);
    const query = parseInput(auditQuery, request.query, 'query');
    if (query.clientId && !(await deps.tenants.getClient(principal, query.clientId))) throw new NotFoundError('Client');
    const page = await deps.audit.list(principal, query, query);
    response.json({ items: page.items.map(presentAuditEvent), nextCursor: page.nextCursor });
  });

  return router;
}
