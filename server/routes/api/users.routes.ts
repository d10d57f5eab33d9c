import { Router, type Request } from 'express';
import type { Secrets } from '../../../common/crypto/secrets';
import { asTechnicianRefusal, ConflictError, NotFoundError } from '../../../common/errors';
import type { AuditStore } from '../../db/audit.store';
import type { TenantsStore } from '../../db/tenants.store';
import { toUserRecord, type UserRow, type UsersStore } from '../../db/users.store';
import { permit } from '../../http/api-permissions';
import { actorOf, principalOf } from '../../http/request-context';
import { parseInput } from '../../http/validate';
import type { ActivationService } from '../../services/activation.service';
import type { UserImportService } from '../../services/user-import.service';
import { clientInScope as requireClient } from './client-scope';
import { presentUser } from './presenters';
import type { LockoutService } from '../../services/lockout.service';
import type { LockoutRow, LockoutsStore } from '../../db/lockouts.store';
import { activateMany, importUsers, listUsersQuery, newUser, uuid } from './schemas';

export interface UsersRoutesDeps {
  lockouts: LockoutService;
  lockoutsStore: Pick<LockoutsStore, 'openOf' | 'openOfMany' | 'find'>;
  /** The Temporal Web UI page of a workflow, for the lockout link. */
  lockoutWorkflowUrl: (workflowId: string) => string;
  tenants: TenantsStore;
  users: UsersStore;
  audit: AuditStore;
  activation: ActivationService;
  userImport: UserImportService;
  secrets: Secrets;
}

export function usersRoutes(deps: UsersRoutesDeps): Router {
  const router = Router();

  const clientInScope = (request: Request) => requireClient(deps.tenants, request);

  async function userInScope(request: Request) {
    const client = await clientInScope(request);
    const userId = parseInput(uuid, request.params.userId, 'path.userId');
    const user = await deps.users.get(principalOf(request), client.id, userId);
    if (!user) throw new NotFoundError('User');
    return user;
  }

  const present = (user: UserRow, lockout?: LockoutRow) => ({
    ...presentUser(
      toUserRecord(user),
      user.phone_encrypted
        ? deps.secrets.phoneCipher.decrypt(user.phone_encrypted, 'users.phone_encrypted').slice(-2)
        : null,
    ),
    lockout: lockout
      ? {
          id: lockout.id,
          lockedSince: lockout.locked_at.toISOString(),
          unlocksAt: lockout.unlocks_at?.toISOString() ?? null,
          resetRecommended: lockout.reset_recommended,
          workflowUrl: deps.lockoutWorkflowUrl(lockout.workflow_id),
        }
      : null,
  });

  async function createUsers(request: Request, entries: Parameters<UsersStore['insertMany']>[1]) {
    const client = await clientInScope(request);
    const result = await deps.userImport.create(principalOf(request), client.id, entries, actorOf(request));
    if ('conflicts' in result) {
      throw new ConflictError(`${result.conflicts.length} user(s) conflict; nothing was imported`, result.conflicts);
    }
    return result.created;
  }

  router.post('/clients/:clientId/users', permit('users.create'), async (request, response) => {
    const body = parseInput(newUser, request.body);
    const [created] = await createUsers(request, [body]);
    response.status(201).json(present(created!));
  });

  router.post('/clients/:clientId/users/import', permit('users.create'), async (request, response) => {
    const body = parseInput(importUsers, request.body);
    const created = await createUsers(request, body.users);
    response.status(201).json({ created: created.length, items: created.map((user) => present(user)) });
  });

  router.get('/clients/:clientId/users', permit('read'), async (request, response) => {
    const client = await clientInScope(request);
    const query = parseInput(listUsersQuery, request.query, 'query');
    const page = await deps.users.list(principalOf(request), client.id, { status: query.status }, query);
    const locked = await deps.lockoutsStore.openOfMany(page.items.map((user) => user.id));
    response.json({ items: page.items.map((user) => present(user, locked.get(user.id))), nextCursor: page.nextCursor });
  });

  router.get('/clients/:clientId/users/:userId', permit('read'), async (request, response) => {
    const user = await userInScope(request);
    response.json(present(user, await deps.lockoutsStore.openOf(user.id)));
  });

  /** A technician's unlock: the lockout the agent reported, unlocked on the agent; answers when it is done. */
  router.post('/clients/:clientId/users/:userId/unlock', permit('users.operate'), async (request, response) => {
    const user = await userInScope(request);
    const result = await deps.lockouts
      .unlock({ userId: user.id, by: { actor: actorOf(request), channel: 'api' } })
      .catch(asTechnicianRefusal);
    const row = await deps.lockoutsStore.find(result.lockoutId);
    if (result.status !== 'unlocked') {
      response.status(502).json({
        error: {
          code: result.code ?? 'unlock_failed',
          message: result.message ?? 'The account could not be unlocked.',
        },
      });
      return;
    }
    response.json({
      lockoutId: result.lockoutId,
      status: 'unlocked',
      workflowUrl: row ? deps.lockoutWorkflowUrl(row.workflow_id) : undefined,
    });
  });

  router.post('/clients/:clientId/users/activate', permit('users.operate'), async (request, response) => {
    const client = await clientInScope(request);
    const body = parseInput(activateMany, request.body);
    const results = await deps.activation.activateMany(principalOf(request), client.id, body.userIds, actorOf(request));
    response.status(202).json({ results });
  });

  router.post('/clients/:clientId/users/:userId/activate', permit('users.operate'), async (request, response) => {
    const user = await userInScope(request);
    response
      .status(202)
      .json(await deps.activation.activateOne(principalOf(request), user.client_id, user.id, actorOf(request)));
  });

  router.post(
    '/clients/:clientId/users/:userId/resend-activation',
    permit('users.operate'),
    async (request, response) => {
      const user = await userInScope(request);
      response
        .status(202)
        .json(await deps.activation.resend(principalOf(request), user.client_id, user.id, actorOf(request)));
    },
  );

  router.post('/clients/:clientId/users/:userId/deactivate', permit('users.operate'), async (request, response) => {
    const user = await userInScope(request);
    await deps.activation.deactivate(principalOf(request), user.client_id, user.id, actorOf(request));
    response.json(present((await deps.users.getById(user.id))!));
  });

  /** Lifts the lock that wrong PINs put on SMS RESET; answers the user, whose `smsResetLockedUntil` is then null. */
  router.post(
    '/clients/:clientId/users/:userId/unlock-sms-reset',
    permit('users.operate'),
    async (request, response) => {
      const user = await userInScope(request);
      if (await deps.users.liftSmsResetLock(user.id)) {
        await deps.audit.recordForUser({ userId: user.id, actor: actorOf(request), action: 'sms.reset_unlocked' });
      }
      response.json(present((await deps.users.getById(user.id))!));
    },
  );

  return router;
}
