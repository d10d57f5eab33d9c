import { Router } from 'express';
import type { DeviceApiRoutesDeps } from './deps';

/**
 * `POST /resets` and `GET /resets/{id}` (docs/app.md) belong to the workflow helper's branch, which replaces this
 * stub. They get the same deps as every device route: `requireDevice` and `actions.verifyDeviceAction`.
 */
export function deviceResetsRoutes(_deps: DeviceApiRoutesDeps): Router {
  return Router();
}
