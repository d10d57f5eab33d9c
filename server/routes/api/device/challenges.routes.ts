import { Router, type RequestHandler } from 'express';
import { deviceOf } from '../../../http/device-auth';
import { parseInput } from '../../../http/validate';
import type { DeviceActionsService } from '../../../services/devices/device-actions.service';
import type { DevicesStore } from '../../../db/devices.store';
import { challengeBody } from './device-schemas';

export interface ChallengesRoutesDeps {
  actions: DeviceActionsService;
  requireDevice: RequestHandler;
  devices: DevicesStore;
}

export function challengesRoutes(deps: ChallengesRoutesDeps): Router {
  const router = Router();

  router.post('/challenges', deps.requireDevice, async (request, response) => {
    const body = parseInput(challengeBody, request.body ?? {});
    response.status(201).json(await deps.actions.createChallenge(deviceOf(request), body.action, body.subject ?? null));
  });

  /** What push may have missed: the app asks whenever it opens. Only this device's own resets. */
  router.get('/events', deps.requireDevice, async (request, response) => {
    const ready = await deps.devices.readyResetsOf(deviceOf(request).id);
    response.json({
      events: ready.map((reset) => ({
        type: 'reset_ready' as const,
        id: reset.id,
        createdAt: new Date(reset.created_at).toISOString(),
      })),
    });
  });

  return router;
}
