import { Router, type Request } from 'express';
import type { LockoutRow } from '../../../db/lockouts.store';
import { deviceOf } from '../../../http/device-auth';
import type { DeviceApiRoutesDeps } from './deps';
import { requireActiveDevice, requester, throwIfRefused, verifiedDevice } from './verified-action';

/** What the app shows of a lockout: when, whether it still holds, and whether Unlock is offered at all. */
function present(row: LockoutRow) {
  return {
    id: row.id,
    status: row.status,
    lockedAt: row.locked_at.toISOString(),
    unlocksAt: row.unlocks_at?.toISOString() ?? null,
    resetRecommended: row.reset_recommended,
    canUnlock: row.status === 'open' && !row.reset_recommended,
  };
}

/**
 * `GET /lockouts/pending`, `GET /lockouts/{id}`, `POST /lockouts/{id}/unlock` and `POST /lockouts/{id}/reset`
 * (docs/app.md). A push only opens the screen: each action needs its own challenge, bound to the action and to
 * this lockout, signed by the device's key and approved by fingerprint, face or PIN, exactly as `POST /resets`.
 */
export function deviceLockoutsRoutes(deps: DeviceApiRoutesDeps): Router {
  const router = Router();
  const lockouts = deps.lockouts;
  if (!lockouts) return router;

  router.get('/lockouts/pending', deps.requireDevice, async (request, response) => {
    const device = deviceOf(request);
    requireActiveDevice(device);
    response.json({ items: (await lockouts.pendingFor(device.user_id)).map(present) });
  });

  router.get('/lockouts/:lockoutId', deps.requireDevice, async (request, response) => {
    const device = deviceOf(request);
    requireActiveDevice(device);
    response.json(present(await lockouts.viewFor(device.user_id, String(request.params.lockoutId))));
  });

  /** The lockout in the path, as this device's user may see it, and verified for `action` on it. */
  const verifiedOnLockout = async (request: Request, action: 'unlock' | 'reset') => {
    const verified = await verifiedDevice(deps, request, action, async (device) => {
      return (await lockouts.viewFor(device.user_id, String(request.params.lockoutId))).id;
    });
    return { device: verified.device, id: verified.subject! };
  };

  router.post('/lockouts/:lockoutId/unlock', deps.requireDevice, async (request, response) => {
    const { device, id } = await verifiedOnLockout(request, 'unlock');
    const result = await lockouts.unlock({
      userId: device.user_id,
      lockoutId: id,
      by: { actor: requester(device), channel: 'app' },
    });
    if (result.status === 'unlocked') response.json({ lockoutId: id, status: 'unlocked' });
    else response.status(502).json({ lockoutId: id, status: 'failed', code: result.code, message: result.message });
  });

  router.post('/lockouts/:lockoutId/reset', deps.requireDevice, async (request, response) => {
    const { device, id } = await verifiedOnLockout(request, 'reset');
    const started = await lockouts.chooseReset({
      userId: device.user_id,
      clientId: device.client_id,
      lockoutId: id,
      by: { actor: requester(device), channel: 'app' },
      channel: 'app',
    });
    throwIfRefused(started);
    response.status(202).json({ resetId: started.resetId });
  });

  return router;
}
