import { Router } from 'express';
import { sealPushTarget } from '../../../../common/crypto/push-target';
import type { Secrets } from '../../../../common/crypto/secrets';
import type { AuditStore } from '../../../db/audit.store';
import type { DevicesStore } from '../../../db/devices.store';
import type { TenantsStore } from '../../../db/tenants.store';
import { deviceOf, pairingOf, type PairingCredentials } from '../../../http/device-auth';
import type { RequestHandler } from 'express';
import { parseInput } from '../../../http/validate';
import type { DeviceNotices } from '../../../services/devices/device-notices';
import type {
  DeviceRegistration,
  DeviceRegistrationService,
} from '../../../services/devices/device-registration.service';
import { pushBody, registerBody } from './device-schemas';

export interface DevicesRoutesDeps {
  registration: DeviceRegistrationService;
  pairingCredentials: PairingCredentials;
  requireDevice: RequestHandler;
  devices: DevicesStore;
  tenants: Pick<TenantsStore, 'userWithOrg'>;
  audit: Pick<AuditStore, 'recordForUser'>;
  notices: DeviceNotices;
  secrets: Secrets;
}

export function devicesRoutes(deps: DevicesRoutesDeps): Router {
  const router = Router();

  router.post('/devices', deps.pairingCredentials.required(), async (request, response) => {
    const body = parseInput(registerBody, request.body ?? {});
    const registered = await deps.registration.register(pairingOf(request), body as DeviceRegistration);
    // The pairing is spent; its cookie has nothing left to open.
    deps.pairingCredentials.clear(response);
    response.status(201).json(registered);
  });

  router.get('/devices/me', deps.requireDevice, async (request, response) => {
    const device = deviceOf(request);
    const found = await deps.tenants.userWithOrg(device.user_id);
    response.json({
      deviceId: device.id,
      status: device.status,
      protection: device.protection,
      pushEnabled: device.push_target_encrypted !== null,
      label: device.label,
      user: {
        displayName: found?.user.displayName ?? found?.user.username ?? '',
        username: found?.user.username ?? '',
      },
      mspName: found?.mspName ?? '',
      clientName: found?.clientName ?? '',
    });
  });

  router.put('/devices/me/push', deps.requireDevice, async (request, response) => {
    const body = parseInput(pushBody, request.body ?? {});
    const device = deviceOf(request);
    await deps.devices.setPushTarget(
      device.id,
      body.push ? { kind: body.push.kind, encrypted: sealPushTarget(deps.secrets, body.push) } : null,
    );
    response.status(204).end();
  });

  router.delete('/devices/me', deps.requireDevice, async (request, response) => {
    const device = deviceOf(request);
    if (await deps.devices.revoke(device.id, 'unpaired', device.user_id)) {
      await deps.audit.recordForUser({
        userId: device.user_id,
        actor: 'user',
        action: 'device.unpaired',
        detail: { deviceId: device.id },
      });
      await deps.notices.removed(device.user_id, device.label, 'unpaired');
    }
    response.status(204).end();
  });

  return router;
}
