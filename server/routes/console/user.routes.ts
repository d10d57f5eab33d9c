import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import express, { Router, type Request, type Response } from 'express';
import { asTechnicianRefusal, ConflictError, NotFoundError, RateLimitedError } from '../../../common/errors';
import type { AuditStore } from '../../db/audit.store';
import type { DevicesStore } from '../../db/devices.store';
import type { RenderPage } from '../../http/page-renderer';
import type { ActivationService } from '../../services/activation.service';
import type { DeviceNotices } from '../../services/devices/device-notices';
import { revokeDeviceForTechnician } from '../../services/devices/device-revocation';
import type { LockoutService } from '../../services/lockout.service';
import type { ResetService } from '../../services/reset.service';
import { assertResetCanReach } from '../../services/technician-reset';
import { consoleOf, mayDo, UUID, type ConsoleKit } from './console-kit';
import { loadUserView, type UserViewDeps } from './user-view';

const STATUS_SCRIPT = readFileSync(join(__dirname, '..', '..', 'views', 'console-user.js'), 'utf8');
const form = express.urlencoded({ extended: false, limit: '2kb' });

export interface ConsoleUserRoutesDeps extends UserViewDeps {
  resets: Pick<ResetService, 'start'>;
  lockouts: Pick<LockoutService, 'unlock'>;
  activation: Pick<ActivationService, 'activateOne' | 'resend'>;
  devices: UserViewDeps['devices'] & Pick<DevicesStore, 'revoke' | 'row'>;
  audit: Pick<AuditStore, 'recordForUser'>;
  deviceNotices: Pick<DeviceNotices, 'removed'>;
  render: RenderPage;
}

/** What the page says after each of its buttons: a fixed set, so the query string never puts words on the page. */
const DONE: Record<string, string> = {
  'reset-started': 'Password reset started. This page follows it as it runs.',
  unlocked: 'The account was unlocked.',
  activated: 'Activation sent: the user has been emailed a link to enroll. This page follows their enrollment.',
  'already-enrolled': 'This user has already enrolled.',
  resent: 'The activation email was sent again.',
  'device-revoked': 'The phone was removed, and its owner was emailed about it.',
};

/**
 * A user's page (`/console/clients/:clientId/users/:userId`), its JSON status for the page's script, and its
 * buttons. Each button is the API's own action through the same service and permission (`users.operate`),
 * audited as `technician:<id>`; read-only technicians see none and are refused (403) if they post.
 */
export function consoleUserRoutes(deps: ConsoleUserRoutesDeps, kit: ConsoleKit): Router {
  const router = Router();
  const { permit, withCsrf, chrome } = kit;
  const base = '/clients/:clientId/users/:userId';
  const idsOf = (request: Request) => request.params as { clientId: string; userId: string };
  const viewOf = (request: Request, response: Response) =>
    loadUserView(deps, consoleOf(response).principal, idsOf(request), mayDo(response, 'workflows.decode'));
  const backTo = (request: Request, response: Response, done: keyof typeof DONE) => {
    const { clientId, userId } = idsOf(request);
    response.redirect(303, `/console/clients/${clientId}/users/${userId}?done=${done}`);
  };

  router.get('/user-status.js', (_request, response) => {
    response.type('text/javascript').send(STATUS_SCRIPT);
  });

  router.get(base, permit('read'), async (request, response) => {
    const view = await viewOf(request, response);
    const { done: doneKey } = request.query;
    const done = typeof doneKey === 'string' && Object.hasOwn(DONE, doneKey) ? DONE[doneKey] : undefined;
    const { clientId, userId } = idsOf(request);
    response.type('html').send(
      deps.render('console-user', {
        title: view.user.displayName ?? view.user.username,
        ...chrome(request, response),
        ...view,
        done,
        canOperate: mayDo(response, 'users.operate'),
        path: `/console/clients/${clientId}/users/${userId}`,
      }),
    );
  });

  router.get(`${base}/status`, permit('read'), async (request, response) => {
    response.json(await viewOf(request, response));
  });

  // A post names a user of the technician's MSP, or it is not found, as if it did not exist.
  const userOf = async (request: Request, response: Response) => {
    const { clientId, userId } = idsOf(request);
    if (!UUID.test(clientId) || !UUID.test(userId)) throw new NotFoundError('User');
    const known = await deps.tenants.userWithOrg(userId, { scope: consoleOf(response).principal, clientId });
    if (!known) throw new NotFoundError('User');
    return known;
  };

  router.post(`${base}/reset`, permit('users.operate'), form, withCsrf, async (request, response) => {
    const { actor } = consoleOf(response);
    const known = await userOf(request, response);
    assertResetCanReach(known);
    const { id: userId, clientId } = known.user;
    // Not waited for: the page follows the reset through its status endpoint while it runs.
    const started = await deps.resets
      .start({ userId, clientId, channel: 'technician', requestedBy: actor, known })
      .catch(asTechnicianRefusal);
    if (started.outcome === 'refused') {
      if (started.result.reason === 'rate_limited')
        throw new RateLimitedError(
          "This user's resets for the hour are spent, by the client's policy; try again later",
          started.retryAfterSeconds ?? 3600,
        );
      throw new ConflictError('The user is not enrolled, so there is no phone to send a new password to');
    }
    backTo(request, response, 'reset-started');
  });

  router.post(`${base}/unlock`, permit('users.operate'), form, withCsrf, async (request, response) => {
    const { actor } = consoleOf(response);
    const { user } = await userOf(request, response);
    const result = await deps.lockouts
      .unlock({ userId: user.id, by: { actor, channel: 'console' } })
      .catch(asTechnicianRefusal);
    if (result.status === 'unlocked') return backTo(request, response, 'unlocked');
    const { clientId, userId } = idsOf(request);
    response
      .status(502)
      .type('html')
      .send(
        deps.render('message', {
          title: 'Unlock failed',
          heading: 'The account could not be unlocked',
          message: result.message ?? 'The agent could not unlock the account.',
          hint: `Back to the user: /console/clients/${clientId}/users/${userId}`,
          isError: true,
        }),
      );
  });

  router.post(`${base}/activate`, permit('users.operate'), form, withCsrf, async (request, response) => {
    const { principal, actor } = consoleOf(response);
    const { user } = await userOf(request, response);
    const result = await deps.activation.activateOne(principal, user.clientId, user.id, actor);
    backTo(request, response, result.outcome === 'already_enrolled' ? 'already-enrolled' : 'activated');
  });

  router.post(`${base}/resend`, permit('users.operate'), form, withCsrf, async (request, response) => {
    const { principal, actor } = consoleOf(response);
    const { user } = await userOf(request, response);
    await deps.activation.resend(principal, user.clientId, user.id, actor);
    backTo(request, response, 'resent');
  });

  router.post(
    `${base}/devices/:deviceId/revoke`,
    permit('users.operate'),
    form,
    withCsrf,
    async (request, response) => {
      const { actor } = consoleOf(response);
      const { user } = await userOf(request, response);
      const deviceId = request.params.deviceId as string;
      if (!UUID.test(deviceId)) throw new NotFoundError('Device');
      await revokeDeviceForTechnician(
        { devices: deps.devices, audit: deps.audit, notices: deps.deviceNotices },
        { userId: user.id, deviceId, actor },
      );
      backTo(request, response, 'device-revoked');
    },
  );

  return router;
}
