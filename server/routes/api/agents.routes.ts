import { Router, type Request } from 'express';
import { NotFoundError } from '../../../common/errors';
import type { AgentsStore } from '../../db/agents.store';
import type { AuditStore } from '../../db/audit.store';
import type { AgentCredentialsService } from '../../services/agent-credentials.service';
import type { ClientKeysStore } from '../../db/client-keys.store';
import type { TenantsStore } from '../../db/tenants.store';
import { permit } from '../../http/api-permissions';
import { actorOf } from '../../http/request-context';
import { parseInput } from '../../http/validate';
import { clientInScope as requireClient } from './client-scope';
import { presentAgent } from './presenters';
import { newAgent, uuid } from './schemas';

export interface AgentsRoutesDeps {
  agents: AgentsStore;
  tenants: TenantsStore;
  audit: AuditStore;
  clientKeys: Pick<ClientKeysStore, 'rotate'>;
  agentCredentials: AgentCredentialsService;
  /** The public half of the directory-command key, handed to each new agent to pin. */
  commandPublicKey: string;
  /** The heartbeat interval agents are told; health is read against it. */
  agentHeartbeatIntervalMs: number;
}

/**
 * Agent credentials per client: issue (the token is shown once), list with health, revoke; and the rotation of
 * the client's keys, which every revocation also performs. Each needs an MSP-wide admin key (api-permissions.ts): an
 * agent token yields the client's key generation, so a client-scoped key (a PSA integration, say) must not mint one.
 */
export function agentsRoutes(deps: AgentsRoutesDeps): Router {
  const router = Router();

  const clientInScope = (request: Request) => requireClient(deps.tenants, request);
  router.post('/clients/:clientId/agents', permit('agents.issue'), async (request, response) => {
    const client = await clientInScope(request);
    const body = parseInput(newAgent, request.body);
    const { agent, token } = await deps.agentCredentials.issue(client, body.name, actorOf(request));
    response.setHeader('Cache-Control', 'no-store');
    response
      .status(201)
      .json({ ...presentAgent(agent, deps.agentHeartbeatIntervalMs), token, commandPublicKey: deps.commandPublicKey });
  });

  router.get('/clients/:clientId/agents', permit('read'), async (request, response) => {
    const client = await clientInScope(request);
    response.json({
      items: (await deps.agents.list(client.id)).map((row) => presentAgent(row, deps.agentHeartbeatIntervalMs)),
      nextCursor: null,
    });
  });

  router.post('/clients/:clientId/agents/:agentId/revoke', permit('agents.revoke'), async (request, response) => {
    const client = await clientInScope(request);
    const agentId = parseInput(uuid, request.params.agentId, 'path.agentId');
    const agent = await deps.agentCredentials.revoke(client, agentId, actorOf(request));
    if (!agent) throw new NotFoundError('Agent');
    response.json(presentAgent(agent, deps.agentHeartbeatIntervalMs));
  });

  router.post('/clients/:clientId/rotate-keys', permit('client_keys.rotate'), async (request, response) => {
    const client = await clientInScope(request);
    const created = await deps.clientKeys.rotate(client.id, 'rotate-keys');
    await deps.audit.record({
      mspId: client.msp_id,
      clientId: client.id,
      actor: actorOf(request),
      action: 'client.keys_rotated',
      detail: { keyGeneration: created.generation, reason: created.reason },
    });
    response.json({ clientId: client.id, generation: created.generation, createdAt: created.createdAt.toISOString() });
  });

  return router;
}
