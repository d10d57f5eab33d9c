import { Router } from 'express';
import { isSealedSecret } from '../../../../common/crypto/device-seal';
import { resolveClientPolicy } from '../../../../common/domain/client-policy';
import type { AppResetStage } from '../../../../common/domain/device';
import { resetFailureMessage } from './reset-failure-message';
import { NotFoundError } from '../../../../common/errors';
import type { AppResetRow } from '../../../db/password-resets.store';
import type { DeviceRow } from '../../../db/devices.store';
import { deviceOf } from '../../../http/device-auth';
import type { DeviceApiRoutesDeps } from './deps';
import { requester, throwIfRefused, verifiedDevice } from './verified-action';

/** How long the sealed password stays fetchable after the app first read it: a killed app may ask again. */
const PICKUP_GRACE_MS = 60_000;

/** Only the device the password is sealed to, or, before it is assigned, the device that asked, may see a reset. */
function visibleTo(row: AppResetRow | undefined, device: DeviceRow): row is AppResetRow {
  if (!row || row.user_id !== device.user_id) return false;
  return row.device_id ? row.device_id === device.id : row.requested_by === requester(device);
}

function stageOf(row: AppResetRow): AppResetStage {
  if (row.status === 'pending') return row.device_id ? 'setting' : 'checking';
  return row.status === 'completed' ? 'ready' : 'failed';
}

/** `POST /resets` and `GET /resets/{id}` (docs/app.md): a reset the owner approved on this phone, and its stages. */
export function deviceResetsRoutes(deps: DeviceApiRoutesDeps): Router {
  const router = Router();
  const resets = deps.resets;
  if (!resets) return router;

  router.post('/resets', deps.requireDevice, async (request, response) => {
    const { device } = await verifiedDevice(deps, request, 'reset');
    const started = await resets.resets.start({
      userId: device.user_id,
      clientId: device.client_id,
      channel: 'app',
      requestedBy: requester(device),
    });
    throwIfRefused(started);
    await deps.lockouts?.noteReset(device.user_id, { actor: requester(device), channel: 'app' }, started.resetId);
    response.status(202).json({ resetId: started.resetId });
  });

  router.get('/resets/:resetId', deps.requireDevice, async (request, response) => {
    const device = deviceOf(request);
    const resetId = String(request.params.resetId);
    const row = /^[0-9a-f-]{36}$/.test(resetId) ? await resets.passwordResets.findForApp(resetId) : undefined;
    if (!visibleTo(row, device)) throw new NotFoundError('Reset');
    const stage = stageOf(row);
    const body: Record<string, unknown> = { resetId, stage };
    // The app polls this while the reset runs: the policy is read only for the answer that shows the password.
    if (stage === 'ready') {
      const found = await deps.tenants.userWithOrg(device.user_id);
      body.mustChangeAtNextLogon = resolveClientPolicy(found?.clientSettings ?? {}).mustChangeAtNextLogon;
    }
    if (stage === 'ready' && row.sealed_password) {
      const sealed: unknown = JSON.parse(row.sealed_password);
      if (isSealedSecret(sealed)) body.sealedPassword = sealed;
      await resets.passwordResets.markPickedUp(resetId, device.id, PICKUP_GRACE_MS);
    }
    if (stage === 'failed')
      body.failure = { code: row.failure_code ?? 'failed', message: resetFailureMessage(row.failure_code) };
    response.json(body);
  });

  return router;
}
