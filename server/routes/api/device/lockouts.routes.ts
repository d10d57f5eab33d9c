import { Router } from 'express';
import { ConflictError, RateLimitedError } from '../../../../common/errors';
import type { LockoutRow } from '../../../db/lockouts.store';
import type { DeviceRow } from '../../../db/devices.store';
import { deviceOf } from '../../../http/device-auth';
import { parseInput } from '../../../http/validate';
import type { DeviceApiRoutesDeps } from './deps';
import { resetBody } from './device-schemas';

const requester = (device: DeviceRow) => `device:${device.id}`;

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

  const activeDevice = (device: DeviceRow) => {
    if (device.status !== 'active') throw new ConflictError('This phone is not active yet: finish pairing first');
  };

  router.get('/lockouts/pending', deps.requireDevice, async (request, response) => {
    const device = deviceOf(request);
    activeDevice(device);
    response.json({ items: (await lockouts.pendingFor(device.user_id)).map(present) });
  });

  router.get('/lockouts/:lockoutId', deps.requireDevice, async (request, response) => {
    const device = deviceOf(request);
    activeDevice(device);
    response.json(present(await lockouts.viewFor(device.user_id, String(request.params.lockoutId))));
  });

  router.post('/lockouts/:lockoutId/unlock', deps.requireDevice, async (request, response) => {
    const device = deviceOf(request);
    activeDevice(device);
    const body = parseInput(resetBody, request.body ?? {});
    const row = await lockouts.viewFor(device.user_id, String(request.params.lockoutId));
    await deps.actions.verifyDeviceAction({
      device,
      challengeId: body.challengeId,
      action: 'unlock',
      subject: row.id,
      signature: body.signature,
      webauthn: body.webauthn as never,
      pin: body.pin,
    });
    const result = await lockouts.unlock({
      userId: device.user_id,
      lockoutId: row.id,
      by: { actor: requester(device), channel: 'app' },
    });
    if (result.status === 'unlocked') response.json({ lockoutId: row.id, status: 'unlocked' });
    else response.status(502).json({ lockoutId: row.id, status: 'failed', code: result.code, message: result.message });
  });

  router.post('/lockouts/:lockoutId/reset', deps.requireDevice, async (request, response) => {
    const device = deviceOf(request);
    activeDevice(device);
    const body = parseInput(resetBody, request.body ?? {});
    const row = await lockouts.viewFor(device.user_id, String(request.params.lockoutId));
    await deps.actions.verifyDeviceAction({
      device,
      challengeId: body.challengeId,
      action: 'reset',
      subject: row.id,
      signature: body.signature,
      webauthn: body.webauthn as never,
      pin: body.pin,
    });
    const started = await lockouts.chooseReset({
      userId: device.user_id,
      clientId: device.client_id,
      lockoutId: row.id,
      by: { actor: requester(device), channel: 'app' },
      channel: 'app',
    });
    if (started.outcome === 'refused') {
      if (started.result.reason === 'rate_limited') {
        throw new RateLimitedError('Too many resets were asked for this account.', started.retryAfterSeconds ?? 3600);
      }
      throw new ConflictError('This account is no longer set up for resets. Contact your IT provider.');
    }
    response.status(202).json({ resetId: started.resetId });
  });

  return router;
}
