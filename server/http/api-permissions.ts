import type { RequestHandler } from 'express';
import type { ApiKeyRole } from '../../common/domain/api-key-roles';
import { ForbiddenError } from '../../common/errors';
import { principalOf, type Principal } from './request-context';

interface Permission {
  /** The roles that may do it. */
  roles: readonly ApiKeyRole[];
  /**
   * Only a key for the whole MSP may, whatever its role (F8): policy, agents and keys change what can be done
   * to a client, so a key handed to one client's integration must not be able to widen its own reach.
   */
  mspWideOnly: boolean;
  /** Completes "Only … may …" in the refusal. */
  what: string;
}

const ANY: readonly ApiKeyRole[] = ['admin', 'helpdesk', 'read_only'];
const HELPDESK: readonly ApiKeyRole[] = ['admin', 'helpdesk'];
const ADMIN: readonly ApiKeyRole[] = ['admin'];

/**
 * The one table of who may do what through the API. Every route names one of these actions (`permit`), and
 * `server/routes/api/openapi.test.ts` fails if a route names none, or one the document does not say.
 */
export const API_PERMISSIONS = {
  read: { roles: ANY, mspWideOnly: false, what: 'read' },
  'users.create': { roles: ADMIN, mspWideOnly: false, what: 'create or import users' },
  'users.operate': {
    roles: HELPDESK,
    mspWideOnly: false,
    what: 'activate, resend to, deactivate, reset or unlock users, or revoke their devices',
  },
  'clients.create': { roles: ADMIN, mspWideOnly: true, what: 'create clients' },
  'clients.change_policy': { roles: ADMIN, mspWideOnly: true, what: "change a client's policy" },
  'agents.issue': { roles: ADMIN, mspWideOnly: true, what: 'issue agent credentials' },
  'agents.revoke': { roles: ADMIN, mspWideOnly: true, what: 'revoke agents' },
  'client_keys.rotate': { roles: ADMIN, mspWideOnly: true, what: "rotate a client's keys" },
  'api_keys.issue': { roles: ADMIN, mspWideOnly: true, what: 'issue API keys' },
  'api_keys.revoke': { roles: ADMIN, mspWideOnly: true, what: 'revoke other API keys' },
  /** Taking one's own access away grants nothing, so any key may; the last MSP-wide admin key is kept (409). */
  'api_keys.revoke_self': { roles: ANY, mspWideOnly: false, what: 'revoke itself' },
  /** The console only: technicians are MSP-wide, so only the role decides. */
  'technicians.manage': { roles: ADMIN, mspWideOnly: true, what: 'add or disable technicians' },
  /**
   * A console sign-in at /codec (the Temporal Web UI), for the MSP's own workflows only. Not read-only: a
   * workflow's decoded payloads hold more than the API shows (phone numbers, verification state), and the roles
   * that act on users are the ones that need to see why a reset or an unlock went as it did.
   */
  'workflows.decode': { roles: HELPDESK, mspWideOnly: true, what: 'read decoded workflows in the Temporal Web UI' },
} as const satisfies Record<string, Permission>;

export type ApiAction = keyof typeof API_PERMISSIONS;

/**
 * Throws the 403 that says which role, or which kind of key, the action needs; returns if the key or technician
 * may. The console and the API both ask here, so a role means the same in both.
 */
export function assertPermitted(principal: Principal, action: ApiAction): void {
  const permission: Permission = API_PERMISSIONS[action];
  if ('technicianId' in principal) {
    if (!permission.roles.includes(principal.role))
      throw new ForbiddenError(
        `Only a technician with the ${permission.roles.join(' or ')} role may ${permission.what}; your role is ${principal.role}`,
        'role_required',
      );
    return;
  }
  if (!permission.roles.includes(principal.role)) {
    throw new ForbiddenError(
      `Only an API key with the ${permission.roles.join(' or ')} role may ${permission.what}; this key's role is ${principal.role}`,
      'role_required',
    );
  }
  if (permission.mspWideOnly && principal.clientId)
    throw new ForbiddenError(
      `Only an MSP-wide API key may ${permission.what}; this key is scoped to one client`,
      'msp_wide_key_required',
    );
}

/** A route's gate, placed before its handler; it carries its actions so that a test can find routes without one. */
export type PermitHandler = RequestHandler & { apiActions: readonly ApiAction[] };

export function permit(action: ApiAction): PermitHandler {
  const handler: RequestHandler = (request, _response, next) => {
    assertPermitted(principalOf(request), action);
    next();
  };
  return Object.assign(handler, { apiActions: [action] });
}

/**
 * For a route on one API key named by a path parameter: `ownKey` when that key is the caller's own, `otherKey`
 * otherwise. Decided on the id alone, before any lookup, so a refusal says nothing about which ids exist.
 */
export function permitOnApiKey(param: string, ownKey: ApiAction, otherKey: ApiAction): PermitHandler {
  const handler: RequestHandler = (request, _response, next) => {
    const principal = principalOf(request);
    assertPermitted(principal, request.params[param] === principal.apiKeyId ? ownKey : otherKey);
    next();
  };
  return Object.assign(handler, { apiActions: [ownKey, otherKey] });
}

/** How the OpenAPI document states an action's requirement, from this table, so that the two cannot differ. */
export function describePermission(action: ApiAction): string {
  const permission: Permission = API_PERMISSIONS[action];
  const roles = permission.roles.length === ANY.length ? 'any role' : `the ${permission.roles.join(' or ')} role`;
  return `To ${permission.what}: ${roles}${permission.mspWideOnly ? ', on an MSP-wide key' : ''}.`;
}
