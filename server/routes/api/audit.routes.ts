import { Router } from 'express';
import { z } from 'zod';
import { NotFoundError } from '../../../common/errors';
import type { AuditStore } from '../../db/audit.store';
import type { TenantsStore } from '../../db/tenants.store';
import { principalOf } from '../../http/request-context';
import { parseInput } from '../../http/validate';
import { presentAuditEvent } from './presenters';
import { pageQuery, uuid } from './schemas';

const auditQuery = pageQuery.extend({
  clientId: uuid.optional(),
  userId: uuid.optional(),
  action: z
    .string()
    .regex(/^[a-z_.]+$/)
    .max(64)
    .optional(),
});

export function auditRoutes(deps: { audit: AuditStore; tenants: TenantsStore }): Router {
  const router = Router();

  router.get('/audit-events', async (request, response) => {
    const principal = principalOf(request);
    const query = parseInput(auditQuery, request.query, 'query');
    if (query.clientId && !(await deps.tenants.getClient(principal, query.clientId))) throw new NotFoundError('Client');
    const page = await deps.audit.list(principal, query, query);
    response.json({ items: page.items.map(presentAuditEvent), nextCursor: page.nextCursor });
  });

  return router;
}
