import express, { Router } from 'express';
import type { Logger } from '../../../common/logger';
import type { ApiKeysStore } from '../../db/api-keys.store';
import { requireApiKey } from '../../http/api-key-auth';
import { jsonErrorHandler } from '../../http/error-response';
import { NotFoundError } from '../../../common/errors';
import { agentsRoutes } from './agents.routes';
import { apiKeysRoutes } from './api-keys.routes';
import { auditRoutes } from './audit.routes';
import { clientsRoutes } from './clients.routes';
import { devicesRoutes, type DevicesRoutesDeps } from './devices.routes';
import type { DevicesStore } from '../../db/devices.store';
import { buildOpenApiDocument } from './openapi';
import { resetsRoutes } from './resets.routes';
import { usersRoutes, type UsersRoutesDeps } from './users.routes';
import type { AgentsStore } from '../../db/agents.store';
import type { ClientKeysStore } from '../../db/client-keys.store';
import type { PasswordResetsStore } from '../../db/password-resets.store';
import type { ResetService } from '../../services/reset.service';
import type { LockoutService } from '../../services/lockout.service';
import type { AgentCredentialsService } from '../../services/agent-credentials.service';
import type { ApiKeysService } from '../../services/api-keys.service';
import type { ClientPolicyService } from '../../services/client-policy.service';

export interface ApiRoutesDeps extends UsersRoutesDeps, Pick<DevicesRoutesDeps, 'deviceNotices'> {
  apiKeys: ApiKeysStore;
  agents: AgentsStore;
  clientKeys: ClientKeysStore;
  passwordResets: PasswordResetsStore;
  devices: DevicesStore;
  resets: ResetService;
  lockouts: LockoutService;
  policy: ClientPolicyService;
  agentCredentials: AgentCredentialsService;
  apiKeyAdmin: ApiKeysService;
  publicUrl: string;
  /** The public half of the directory-command key, handed to each new agent to pin. */
  commandPublicKey: string;
  agentHeartbeatIntervalMs: number;
  logger: Logger;
}

export function apiRoutes(deps: ApiRoutesDeps): Router {
  const router = Router();
  const document = buildOpenApiDocument(deps.publicUrl);
  router.get('/openapi.json', (_request, response) => void response.json(document));
  router.use(express.json({ limit: '1mb', strict: true }));
  router.use(requireApiKey(deps.apiKeys));
  router.use(clientsRoutes(deps));
  router.use(usersRoutes(deps));
  router.use(devicesRoutes(deps));
  router.use(auditRoutes(deps));
  router.use(agentsRoutes(deps));
  router.use(resetsRoutes(deps));
  router.use(apiKeysRoutes(deps));
  router.use(() => {
    throw new NotFoundError('This API route');
  });
  router.use(jsonErrorHandler(deps.logger));
  return router;
}
