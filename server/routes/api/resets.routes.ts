import { Router } from 'express';
import { asTechnicianRefusal, ConflictError, NotFoundError } from '../../../common/errors';
import type { PasswordResetsStore } from '../../db/password-resets.store';
import type { TenantsStore } from '../../db/tenants.store';
import { ENROLLED_STATUSES } from '../../../common/domain/statuses';
import { SET_NOT_DELIVERED_CODE } from '../../../common/domain/reset';
import { permit } from '../../http/api-permissions';
import { actorOf, principalOf } from '../../http/request-context';
import { parseInput } from '../../http/validate';
import type { ResetService } from '../../services/reset.service';
import { clientInScope } from './client-scope';
import { presentPasswordReset } from './presenters';
import { pageQuery, uuid } from './schemas';

const WAIT_MS = 25_000;

/** Technician resets and the reset request history. The password itself never appears in any response. */
export function resetsRoutes(deps: {
  tenants: TenantsStore;
  resets: ResetService;
  passwordResets: PasswordResetsStore;
}): Router {
  const router = Router();

  router.post('/clients/:clientId/users/:userId/reset-password', permit('users.operate'), async (request, response) => {
    const clientId = parseInput(uuid, request.params.clientId, 'path.clientId');
    const userId = parseInput(uuid, request.params.userId, 'path.userId');
    const known = await deps.tenants.userWithOrg(userId, { scope: principalOf(request), clientId });
    if (!known) throw new NotFoundError('User');
    const { status } = known.user;
    if (!ENROLLED_STATUSES.includes(status)) {
      throw new ConflictError(
        `The user is not enrolled (status "${status}"), so there is no phone to send a new password to`,
      );
    }
    if (known.user.smsOptedOut) {
      // The password would be set and then never arrive (Twilio refuses to text an opted-out number): refused
      // before anything is written or sent.
      throw new ConflictError(
        'The user texted STOP to the service number, so texts to them are blocked and the new password could not reach them. Ask them to text START to the service number, then try again.',
      );
    }
    const result = await deps.resets
      .startAndWait({ userId, clientId, channel: 'technician', requestedBy: actorOf(request), known }, WAIT_MS)
      .catch(asTechnicianRefusal);
    if (!result)
      return void response.status(202).json({
        status: 'running',
        message: 'The reset is still running; its outcome will appear in the reset history and audit log',
      });
    if (result.status === 'failed' && result.code === SET_NOT_DELIVERED_CODE) {
      return void response.status(502).json({
        status: 'set_not_delivered',
        resetId: result.resetId,
        code: result.code,
        message:
          'The new password was set in the directory but could not be texted to the user, so nobody knows it. The MSP was alerted; check the phone and reset again.',
      });
    }
    response.status(result.status === 'completed' ? 200 : result.status === 'refused' ? 429 : 502).json(result);
  });

  router.get('/clients/:clientId/password-resets', permit('read'), async (request, response) => {
    const { id: clientId } = await clientInScope(deps.tenants, request);
    const page = await deps.passwordResets.listForClient(clientId, parseInput(pageQuery, request.query, 'query'));
    response.json({
      items: page.items.map(presentPasswordReset),
      nextCursor: page.nextCursor,
    });
  });

  return router;
}
