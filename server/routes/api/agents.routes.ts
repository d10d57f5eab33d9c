import { Router, type Request } from 'express';
import { NotFoundError } from '../../../common/errors';
import type { AgentsStore } from '../../db/agents.store';
import type { AuditStore } from '../../db/audit.store';
import type { TenantsStore } from '../../db/tenants.store';
import { actorOf } from '../../http/request-context';
import { parseInput } from '../../http/validate';
import { clientInScope as requireClient } from './client-scope';
import { presentAgent } from './presenters';
import { newAgent, uuid } from './schemas';

/** Agent credentials per client: issue (the token is shown once), list with health, revoke. */
export function agentsRoutes(deps: {
  agents: AgentsStore;
  tenants: TenantsStore;
  audit: AuditStore;
  commandPublicKey: string;
}): Router {
  const router = Router();

  const clientInScope = (request: Request) => requireClient(deps.tenants, request);

  router.post('/clients/:clientId/agents', async (request, response) => {
    const client = await clientInScope(request);
    const body = parseInput(newAgent, request.body);
    const { agent, token } = await deps.agents.issue(client.id, body.name);
    await deps.audit.record({
      mspId: client.msp_id,
      clientId: client.id,
      actor: actorOf(request),
      action: 'agent.created',
      detail: { agentId: agent.id },
    });
    response.status(201).json({ ...presentAgent(agent), token, commandPublicKey: deps.commandPublicKey });
  });

  router.get('/clients/:clientId/agents', async (request, response) => {
    const client = await clientInScope(request);
    response.json({ items: (await deps.agents.list(client.id)).map((row) => presentAgent(row)), nextCursor: null });
  });

  router.post('/clients/:clientId/agents/:agentId/revoke', async (request, response) => {
    const client = await clientInScope(request);
    const agentId = parseInput(uuid, request.params.agentId, 'path.agentId');
    const agent = await deps.agents.get(client.id, agentId);
    if (!agent) throw new NotFoundError('Agent');
    if (await deps.agents.revoke(client.id, agentId)) {
      await deps.audit.record({
        mspId: client.msp_id,
        clientId: client.id,
        actor: actorOf(request),
        action: 'agent.revoked',
        detail: { agentId },
      });
    }
    response.json(presentAgent((await deps.agents.get(client.id, agentId))!));
  });

  return router;
}
