import { Router } from 'express';
import { asTechnicianRefusal, NotFoundError } from '../../../common/errors';
import type { PasswordResetsStore } from '../../db/password-resets.store';
import type { TenantsStore } from '../../db/tenants.store';
import { SET_NOT_DELIVERED_CODE, SMS_CEILING_CODE } from '../../../common/domain/reset';
import { permit } from '../../http/api-permissions';
import { actorOf, principalOf } from '../../http/request-context';
import { parseInput } from '../../http/validate';
import type { ResetService } from '../../services/reset.service';
import { assertResetCanReach } from '../../services/technician-reset';
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
    assertResetCanReach(known);
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
    // The client's daily text ceiling is a limit like the hourly one, not a fault of the directory.
    const limited = result.status === 'refused' || (result.status === 'failed' && result.code === SMS_CEILING_CODE);
    response.status(result.status === 'completed' ? 200 : limited ? 429 : 502).json(result);
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
