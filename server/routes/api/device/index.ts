import express, { Router } from 'express';
import type { DeviceApiRoutesDeps } from './deps';
import { NotFoundError } from '../../../../common/errors';
import { jsonErrorHandler } from '../../../http/error-response';
import { challengesRoutes } from './challenges.routes';
import { devicesRoutes } from './devices.routes';
import { pairingsRoutes } from './pairings.routes';
import { deviceResetsRoutes } from './resets.routes';
import { deviceLockoutsRoutes } from './lockouts.routes';

export type { DeviceApiRoutesDeps } from './deps';

/** The app's device API, mounted at /api/device/v1 (docs/app.md). Every answer is JSON, errors included. */
export function deviceApiRoutes(deps: DeviceApiRoutesDeps): Router {
  const router = Router();
  router.use(express.json({ limit: '64kb', strict: true }));
  router.get('/config', (_request, response) => void response.json({ vapidPublicKey: deps.vapidPublicKey() }));
  router.use(pairingsRoutes(deps));
  router.use(devicesRoutes(deps));
  router.use(challengesRoutes(deps));
  router.use(deviceResetsRoutes(deps));
  router.use(deviceLockoutsRoutes(deps));
  router.use(() => {
    throw new NotFoundError('This device API route');
  });
  router.use(jsonErrorHandler(deps.logger));
  return router;
}
