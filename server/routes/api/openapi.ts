import { OpenApiGeneratorV31, OpenAPIRegistry, type RouteConfig } from '@asteasolutions/zod-to-openapi';
import {
  activationResult,
  activationResults,
  agent,
  apiKey,
  issuedApiKey,
  auditEvent,
  client,
  clientSettings,
  device,
  errorBody,
  importResult,
  issuedAgent,
  keyGeneration,
  lockoutUnlock,
  page,
  passwordReset,
  resetResult,
  resetRunning,
  user,
} from './response-schemas';
import {
  activateMany,
  auditQuery,
  importUsers,
  listUsersQuery,
  newAgent,
  newApiKey,
  newClient,
  newUser,
  pageQuery,
  updateClient,
  uuid,
} from './schemas';
import { z } from './zod-openapi';
import { describePermission, type ApiAction } from '../../http/api-permissions';

/**
 * The OpenAPI description of /api/v1, served at /api/v1/openapi.json and generated from the same zod schemas
 * that validate requests (schemas.ts) and type responses (response-schemas.ts). api.test.ts walks the router
 * and fails if a route is missing here or a documented one does not exist.
 */

const errorResponse = { $ref: '#/components/responses/Error' };
const errors = (...statuses: number[]) => Object.fromEntries(statuses.map((status) => [status, errorResponse]));
/** What any route can answer: bad input, no key, not in the key's scope, too large, too fast, Temporal down. */
const commonErrors = errors(400, 401, 404, 413, 429, 503);
const json = (description: string, schema: z.ZodTypeAny) => ({
  description,
  content: { 'application/json': { schema } },
});
const body = (schema: z.ZodTypeAny) => ({ required: true, content: { 'application/json': { schema } } });

const clientPath = z.object({ clientId: uuid });
const userPath = clientPath.extend({ userId: uuid });
const agentPath = clientPath.extend({ agentId: uuid });
const devicePath = userPath.extend({ deviceId: uuid });

/**
 * Each route names the actions of api-permissions.ts its handler is gated by (api-permissions.test.ts checks it
 * against the router); the roles each needs are written into its description from that table.
 */
interface DocumentedRoute extends RouteConfig {
  actions?: readonly ApiAction[];
}

const apiKeyPath = z.object({ apiKeyId: uuid });

const routes: DocumentedRoute[] = [
  {
    method: 'get',
    path: '/openapi.json',
    summary: 'This document',
    security: [],
    responses: { 200: { description: 'The OpenAPI 3.1 description of this API' } },
  },
  {
    method: 'get',
    path: '/clients',
    actions: ['read'],
    summary: 'List clients',
    request: { query: pageQuery },
    responses: { 200: json('A page of clients', page(client)), ...commonErrors },
  },
  {
    method: 'post',
    path: '/clients',
    actions: ['clients.create'],
    summary: 'Create a client (tenant)',
    request: { body: body(newClient) },
    responses: { 201: json('Created', client), ...errors(403, 409), ...commonErrors },
  },
  {
    method: 'get',
    path: '/clients/{clientId}',
    actions: ['read'],
    summary: 'Read a client',
    request: { params: clientPath },
    responses: { 200: json('The client', client), ...commonErrors },
  },
  {
    method: 'patch',
    path: '/clients/{clientId}',
    actions: ['clients.change_policy'],
    summary: "Change a client's settings (reset policy); keys not given keep their value",
    description: 'Audited as `client.settings_changed`, with the policy before and after.',
    request: { params: clientPath, body: body(updateClient) },
    responses: { 200: json('The client', client), ...commonErrors },
  },
  {
    method: 'get',
    path: '/clients/{clientId}/agents',
    actions: ['read'],
    summary: "List a client's agents with their health",
    request: { params: clientPath },
    responses: { 200: json('Agents (one page: nextCursor is always null)', page(agent)), ...commonErrors },
  },
  {
    method: 'post',
    path: '/clients/{clientId}/agents',
    actions: ['agents.issue'],
    summary: 'Issue credentials for a new on-premises agent; the token is shown once',
    request: { params: clientPath, body: body(newAgent) },
    responses: { 201: json('The agent and its token', issuedAgent), ...errors(403), ...commonErrors },
  },
  {
    method: 'post',
    path: '/clients/{clientId}/agents/{agentId}/revoke',
    actions: ['agents.revoke'],
    summary: "Revoke an agent's credentials and rotate the client's keys",
    description:
      "Also starts a new generation of the client's keys, so the revoked agent's keys open nothing issued afterwards.",
    request: { params: agentPath },
    responses: { 200: json('The agent', agent), ...commonErrors },
  },
  {
    method: 'post',
    path: '/clients/{clientId}/rotate-keys',
    actions: ['client_keys.rotate'],
    summary: "Start a new generation of the client's keys",
    description:
      'New work is sealed with the new generation; running and recorded work still decrypts. Agents pick it up ' +
      'without a restart. Audited as client.keys_rotated.',
    request: { params: clientPath },
    responses: { 200: json('The new current generation', keyGeneration), ...errors(403), ...commonErrors },
  },
  {
    method: 'post',
    path: '/clients/{clientId}/users/{userId}/reset-password',
    actions: ['users.operate'],
    summary: "Reset an enrolled user's password on the client's directory and text it to the enrolled phone",
    description:
      'Waits up to 25 s for the outcome. The password is never returned. Repeated calls join the reset already running.',
    request: { params: userPath },
    responses: {
      ...commonErrors,
      200: json('Completed', resetResult),
      202: json('Still running; see the reset history', resetRunning),
      409: errorResponse,
      429: json("Refused: the user's hourly limit, or the client's daily ceiling on texts, was reached", resetResult),
      502: json(
        'The directory refused or could not be reached (`failed`; code and userMessage say why), or the password was set but could not be texted (`set_not_delivered`)',
        resetResult,
      ),
    },
  },
  {
    method: 'get',
    path: '/clients/{clientId}/password-resets',
    actions: ['read'],
    summary: 'Reset request history',
    request: { params: clientPath, query: pageQuery },
    responses: { 200: json('A page of resets', page(passwordReset)), ...commonErrors },
  },
  {
    method: 'get',
    path: '/clients/{clientId}/users',
    actions: ['read'],
    summary: "List a client's users",
    request: { params: clientPath, query: listUsersQuery },
    responses: { 200: json('A page of users', page(user)), ...commonErrors },
  },
  {
    method: 'post',
    path: '/clients/{clientId}/users',
    actions: ['users.create'],
    summary: 'Create a user',
    request: { params: clientPath, body: body(newUser) },
    responses: { 201: json('Created', user), ...errors(409), ...commonErrors },
  },
  {
    method: 'post',
    path: '/clients/{clientId}/users/import',
    actions: ['users.create'],
    summary: 'Create up to 1,000 users at once, all or nothing',
    request: { params: clientPath, body: body(importUsers) },
    responses: {
      ...commonErrors,
      201: json('All created', importResult),
      409: json('Some entries conflict; nothing was imported. details lists them.', errorBody),
    },
  },
  {
    method: 'post',
    path: '/clients/{clientId}/users/activate',
    actions: ['users.operate'],
    summary: 'Activate up to 1,000 users: each gets one enrollment workflow and one activation email',
    request: { params: clientPath, body: body(activateMany) },
    responses: { 202: json('One result per user', activationResults), ...commonErrors },
  },
  {
    method: 'get',
    path: '/clients/{clientId}/users/{userId}',
    actions: ['read'],
    summary: "Read a user's status",
    request: { params: userPath },
    responses: { 200: json('The user', user), ...commonErrors },
  },
  {
    method: 'post',
    path: '/clients/{clientId}/users/{userId}/activate',
    actions: ['users.operate'],
    summary: 'Activate one user (idempotent)',
    request: { params: userPath },
    responses: { 202: json('Result', activationResult), ...commonErrors },
  },
  {
    method: 'post',
    path: '/clients/{clientId}/users/{userId}/resend-activation',
    actions: ['users.operate'],
    summary: 'Send a fresh activation link; earlier links stop working',
    description:
      'At most ACTIVATION_RESENDS_PER_USER_PER_HOUR (default 3) resends an hour per user; further ones answer 429 with Retry-After, and nothing is sent.',
    request: { params: userPath },
    responses: { 202: json('Result', activationResult), ...errors(409), ...commonErrors },
  },
  {
    method: 'post',
    path: '/clients/{clientId}/users/{userId}/deactivate',
    actions: ['users.operate'],
    summary: 'Stop any enrollment, revoke its links and sessions, and forget the phone number',
    request: { params: userPath },
    responses: { 200: json('The user', user), ...commonErrors },
  },
  {
    method: 'post',
    path: '/clients/{clientId}/users/{userId}/unlock-sms-reset',
    actions: ['users.operate'],
    summary: 'Lift the lock that too many wrong PINs put on SMS RESET for this user',
    description:
      'Audited as `sms.reset_unlocked` when a lock was in force; harmless otherwise. The answer shows `smsResetLockedUntil` null.',
    request: { params: userPath },
    responses: { 200: json('The user', user), ...commonErrors },
  },
  {
    method: 'post',
    path: '/clients/{clientId}/users/{userId}/unlock',
    actions: ['users.operate'],
    summary: "Unlock the user's locked directory account",
    description:
      "Runs the signed `unlock` command on the client's agent (lockoutTime set to 0) for the lockout the agent reported, and answers once the agent has done it. 409 when no lockout is open or a reset is recommended after repeated lockouts; 429 past the client's `unlocksPerHour`; 503 `agent_offline` at once when no agent of the client is online; 502 when the agent could not unlock. Audited as `lockout.unlock_requested` and `lockout.unlocked` with the API key as actor.",
    request: { params: userPath },
    responses: { 200: json('The lockout, unlocked', lockoutUnlock), ...commonErrors, ...errors(409, 502) },
  },
  {
    method: 'get',
    path: '/clients/{clientId}/users/{userId}/devices',
    actions: ['read'],
    summary: "List a user's Latchkey app devices",
    description: "Never a key, a secret or a push subscription. Another MSP's user answers 404.",
    request: { params: userPath },
    responses: { 200: json('Devices (one page: nextCursor is always null)', page(device)), ...commonErrors },
  },
  {
    method: 'delete',
    path: '/clients/{clientId}/users/{userId}/devices/{deviceId}',
    actions: ['users.operate'],
    summary: "Revoke one of a user's app devices",
    description: 'Audited as `device.revoked` (reason technician); harmless on a device already revoked.',
    request: { params: devicePath },
    responses: { 200: json('The device, revoked', device), ...commonErrors },
  },
  {
    method: 'get',
    path: '/api-keys',
    actions: ['read'],
    summary: "List the MSP's API keys, revoked ones included",
    description: "Never a key's secret or its hash. A client-scoped key sees only the keys scoped to its client.",
    request: { query: pageQuery },
    responses: { 200: json('A page of API keys', page(apiKey)), ...commonErrors },
  },
  {
    method: 'post',
    path: '/api-keys',
    actions: ['api_keys.issue'],
    summary: 'Issue an API key with a role, optionally for one client and with an expiry; the token is shown once',
    description: 'Audited as `api_key.issued`.',
    request: { body: body(newApiKey) },
    responses: { 201: json('The key and its token', issuedApiKey), ...commonErrors },
  },
  {
    method: 'post',
    path: '/api-keys/{apiKeyId}/revoke',
    actions: ['api_keys.revoke_self', 'api_keys.revoke'],
    summary: 'Revoke an API key: it answers 401 from the next request on',
    description:
      "Harmless on a key already revoked. Refused with 409 for the MSP's last usable MSP-wide admin key, so that the MSP cannot lock itself out. Audited as `api_key.revoked`.",
    request: { params: apiKeyPath },
    responses: { 200: json('The key, revoked', apiKey), ...errors(409), ...commonErrors },
  },
  {
    method: 'get',
    path: '/audit-events',
    actions: ['read'],
    summary: 'List audit events, oldest first',
    request: { query: auditQuery },
    responses: { 200: json('A page of events', page(auditEvent)), ...commonErrors },
  },
];

/** Adds who may call the route to its description, and the 403 to its answers when some keys may not. */
function withPermissions(route: RouteConfig, actions: readonly ApiAction[] | undefined): RouteConfig {
  if (!actions) return route;
  const description = [route.description, ...actions.map(describePermission)].filter(Boolean).join(' ');
  const refusable = !actions.includes('read');
  return { ...route, description, responses: refusable ? { ...errors(403), ...route.responses } : route.responses };
}

/** The actions each documented route names, as "method /path", for the test that compares them with the router. */
export function documentedActions(): Map<string, readonly ApiAction[]> {
  return new Map(routes.flatMap((route) => (route.actions ? [[`${route.method} ${route.path}`, route.actions]] : [])));
}

export function buildOpenApiDocument(publicUrl: string) {
  const registry = new OpenAPIRegistry();
  registry.registerComponent('securitySchemes', 'bearer', {
    type: 'http',
    scheme: 'bearer',
    description: 'An API key: lk_<id>_<secret>',
  });
  registry.register('Error', errorBody);
  registry.registerComponent('responses', 'Error', {
    description: 'An error with a reason',
    content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
  });
  registry.register('ClientSettings', clientSettings);
  for (const { actions, ...route } of routes) registry.registerPath(withPermissions(route, actions));

  return new OpenApiGeneratorV31(registry.definitions).generateDocument({
    openapi: '3.1.0',
    info: {
      title: 'Latchkey MSP API',
      version: '1.0.0',
      description:
        'Manage clients and their users, and activate self-service password reset. Authenticate with "Authorization: Bearer <API key>". A key sees only its own MSP (or its one client): anything else answers 404. Its role (admin, helpdesk, read_only) decides what it may do; each operation says which it needs, and a key without it gets 403 role_required (or msp_wide_key_required for a client-scoped key). Lists are paged: pass a page\'s nextCursor as cursor to get the next one.',
    },
    servers: [{ url: `${publicUrl}/api/v1` }],
    security: [{ bearer: [] }],
  });
}
