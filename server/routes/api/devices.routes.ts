import { Router, type Request } from 'express';
import { NotFoundError } from '../../../common/errors';
import type { AuditStore } from '../../db/audit.store';
import type { DevicesStore } from '../../db/devices.store';
import type { TenantsStore } from '../../db/tenants.store';
import type { UsersStore } from '../../db/users.store';
import type { DeviceNotices } from '../../services/devices/device-notices';
import { revokeDeviceForTechnician } from '../../services/devices/device-revocation';
import { permit } from '../../http/api-permissions';
import { actorOf, principalOf } from '../../http/request-context';
import { parseInput } from '../../http/validate';
import { clientInScope } from './client-scope';
import { presentDevice } from './presenters';
import { uuid } from './schemas';

export interface DevicesRoutesDeps {
  tenants: TenantsStore;
  users: UsersStore;
  devices: DevicesStore;
  audit: AuditStore;
  /** The owner's email that their phone was removed: someone else asking the help desk is told to them. */
  deviceNotices: Pick<DeviceNotices, 'removed'>;
}

/** A technician's view of a user's app devices: never a key, a secret or a push subscription. */
export function devicesRoutes(deps: DevicesRoutesDeps): Router {
  const router = Router();

  async function userInScope(request: Request) {
    const client = await clientInScope(deps.tenants, request);
    const userId = parseInput(uuid, request.params.userId, 'path.userId');
    const user = await deps.users.get(principalOf(request), client.id, userId);
    if (!user) throw new NotFoundError('User');
    return user;
  }

  router.get('/clients/:clientId/users/:userId/devices', permit('read'), async (request, response) => {
    const user = await userInScope(request);
    const devices = await deps.devices.ofUser(user.id);
    response.json({ items: devices.map(presentDevice), nextCursor: null });
  });

  router.delete(
    '/clients/:clientId/users/:userId/devices/:deviceId',
    permit('users.operate'),
    async (request, response) => {
      const user = await userInScope(request);
      const deviceId = parseInput(uuid, request.params.deviceId, 'path.deviceId');
      const revoked = await revokeDeviceForTechnician(
        { devices: deps.devices, audit: deps.audit, notices: deps.deviceNotices },
        { userId: user.id, deviceId, actor: actorOf(request) },
      );
      response.json(presentDevice(revoked));
    },
  );

  return router;
}
