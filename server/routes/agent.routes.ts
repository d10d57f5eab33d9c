import { COMMAND_REFUSALS } from '../../common/crypto/directory-command';
import type { AgentTarget } from '../../common/temporal/settings';
import express, { Router, type Request } from 'express';
import { z } from 'zod';
import { AuthenticationError } from '../../common/errors';
import type { Logger } from '../../common/logger';
import { DIRECTORY_OPERATIONS } from '../../common/domain/directory-command';
import type { AgentRow, AgentsStore } from '../db/agents.store';
import type { AuditStore } from '../db/audit.store';
import type { ClientKeysStore } from '../db/client-keys.store';
import { bearerToken } from '../http/bearer-token';
import { jsonErrorHandler } from '../http/error-response';
import { parseInput } from '../http/validate';
import { within } from '../../common/within';

/** How long an agent's config request waits for its client's namespace and endpoint to be registered. */
const PROVISIONING_WAIT_MS = 10_000;

export interface AgentRoutesDeps {
  agents: AgentsStore;
  audit: AuditStore;
  clientKeys: Pick<ClientKeysStore, 'forAgent'>;
  temporal: { address: string; namespace: string };
  /** The client's own namespace, the agents' queue there and the Nexus endpoint the central worker calls. */
  agentTarget: (clientId: string) => AgentTarget;
  /** Registers them if missing, so that an agent started before its client's first reset finds its namespace. */
  provisionAgentTarget: (target: AgentTarget) => Promise<void>;
  /** How often the agent is told to send a heartbeat; two missed make it offline (common/domain/agent-health.ts). */
  heartbeatIntervalMs: number;
  logger: Logger;
  /** Starts the client's lockout watch if it is not running (server/services/lockout-watch-starter.ts). */
  startLockoutWatch?: (clientId: string) => Promise<void>;
}

const heartbeat = z.object({ version: z.string().min(1).max(64), hostname: z.string().min(1).max(255) }).strict();
const refusal = z
  .object({
    operation: z.enum(DIRECTORY_OPERATIONS),
    // What the agent reports (activities/directory.activities.ts); an unknown reason would lose the audit entry.
    reason: z.enum([...COMMAND_REFUSALS, 'unknown_generation']),
    requestId: z.string().uuid().optional(),
  })
  .strict();

/**
 * What an agent calls, always outbound from the client site: its configuration at start-up (and again when it
 * meets a key generation it does not hold), then a heartbeat. The configuration carries that client's current
 * key generation (and the previous one, shortly after a rotation) and nothing of any other client.
 */
export function agentRoutes(deps: AgentRoutesDeps): Router {
  const router = Router();
  router.use(express.json({ limit: '8kb' }));

  async function agentOf(request: Request): Promise<AgentRow> {
    const token = bearerToken(request);
    const agent = token ? await deps.agents.authenticate(token) : undefined;
    if (!agent) throw new AuthenticationError('The agent token is not valid or has been revoked');
    return agent;
  }

  router.get('/config', async (request, response) => {
    const agent = await agentOf(request);
    const generations = await deps.clientKeys.forAgent(agent.client_id);
    // Checked again after the keys were read: a revocation commits together with the rotation it causes, so a token
    // still valid now was valid when these generations were read, and none of them postdates its revocation.
    await agentOf(request);
    const target = deps.agentTarget(agent.client_id);
    const provisioned = deps.provisionAgentTarget(target).then(
      () => true,
      (error: unknown) => {
        deps.logger.warn("Could not register the client's namespace and Nexus endpoint; the agent may not start yet", {
          clientId: agent.client_id,
          error: (error as Error).message,
        });
        return false;
      },
    );
    // An agent retries its start until its namespace answers, so a Temporal that is slow to register one must
    // not hold the agent's request open: it gets its config, and registration goes on.
    if (!(await within(provisioned, PROVISIONING_WAIT_MS))) {
      deps.logger.warn("Still registering the client's namespace and Nexus endpoint; answering the agent meanwhile", {
        clientId: agent.client_id,
      });
    }
    // Not awaited: the agent's start must not wait on Temporal, and the next agent start tries again.
    deps.startLockoutWatch?.(agent.client_id).catch((error: unknown) =>
      deps.logger.warn("Could not start the client's lockout watch", {
        clientId: agent.client_id,
        error: (error as Error).message,
      }),
    );
    response.setHeader('Cache-Control', 'no-store');
    response.json({
      agentId: agent.id,
      clientId: agent.client_id,
      // The agent works in its client's namespace only; the central namespace is named so that it can check that
      // a command's payload was sealed for one of its client's workflows there.
      temporal: {
        address: deps.temporal.address,
        namespace: target.namespace,
        taskQueue: target.taskQueue,
        endpoint: target.endpoint,
        centralNamespace: deps.temporal.namespace,
      },
      clientKeys: {
        current: generations[0]!.generation,
        generations: generations.map((g) => ({ generation: g.generation, secret: g.secret.toString('base64') })),
      },
      heartbeatIntervalSeconds: Math.round(deps.heartbeatIntervalMs / 1000),
    });
  });

  router.post('/heartbeat', async (request, response) => {
    const agent = await agentOf(request);
    const body = parseInput(heartbeat, request.body);
    await deps.agents.recordHeartbeat(agent.id, body);
    response.status(204).end();
  });

  /** A command the agent would not run: whoever sent it will not tell, so the agent does, for the audit log. */
  router.post('/refusals', async (request, response) => {
    const agent = await agentOf(request);
    const body = parseInput(refusal, request.body);
    await deps.audit.recordForClient({
      clientId: agent.client_id,
      actor: `agent:${agent.id}`,
      action: 'agent.command_refused',
      detail: { agentId: agent.id, ...body },
    });
    response.status(204).end();
  });

  router.use(jsonErrorHandler(deps.logger));
  return router;
}
