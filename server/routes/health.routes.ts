import type { RequestHandler } from 'express';
import type { Logger } from '../../common/logger';
import type { ApiKeysStore } from '../db/api-keys.store';
import { bearerToken } from '../http/bearer-token';

export interface HealthRouteDeps {
  health: () => Promise<Record<string, 'ok' | string>>;
  apiKeys: Pick<ApiKeysStore, 'authenticate'>;
  logger: Logger;
}

/**
 * GET /healthz. A load balancer needs only "ok" or "degraded"; the reasons (a database's address in a connection
 * error, a Temporal error) are for the operator, so they go to the log whenever they change, and to a caller with
 * an MSP-wide API key. A bad or missing key is not an error here: a probe gets the same answer either way.
 */
export function healthRoute(deps: HealthRouteDeps): RequestHandler {
  let lastLogged = JSON.stringify({});

  const mayReadDetails = async (token: string | undefined): Promise<boolean> => {
    if (!token) return false;
    // The database may be what is down: then nobody is authenticated, and the probe still gets its answer.
    const check = await deps.apiKeys.authenticate(token).catch(() => undefined);
    return check?.status === 'valid' && check.key.clientId === null;
  };

  return async (request, response) => {
    const [checks, details] = await Promise.all([deps.health(), mayReadDetails(bearerToken(request))]);
    const healthy = Object.values(checks).every((value) => value === 'ok');
    const failing = JSON.stringify(Object.fromEntries(Object.entries(checks).filter(([, value]) => value !== 'ok')));
    if (failing !== lastLogged) {
      if (healthy) deps.logger.info('Health check ok again', { checks });
      else deps.logger.warn('Health check degraded', { checks });
      lastLogged = failing;
    }
    const status = healthy ? 'ok' : 'degraded';
    response.status(healthy ? 200 : 503).json(details ? { status, checks } : { status });
  };
}
