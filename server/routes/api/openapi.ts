/**
 * The OpenAPI description of /api/v1, served at /api/v1/openapi.json. A test walks the router and fails if a
 * route is missing here, so the document cannot drift from the code unnoticed.
 */
const error = { $ref: '#/components/responses/Error' };
const idParam = (name: string) => ({ name, in: 'path', required: true, schema: { type: 'string', format: 'uuid' } });
const paging = [
  { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 200, default: 50 } },
  { name: 'cursor', in: 'query', schema: { type: 'string' }, description: 'nextCursor from the previous page' },
];
const page = (item: string) => ({
  type: 'object',
  required: ['items', 'nextCursor'],
  properties: {
    items: { type: 'array', items: { $ref: `#/components/schemas/${item}` } },
    nextCursor: { type: ['string', 'null'] },
  },
});
const json = (schema: object) => ({ content: { 'application/json': { schema } } });
const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const commonErrors = { 400: error, 401: error, 404: error, 413: error, 429: error, 503: error };

export function buildOpenApiDocument(publicUrl: string) {
  return {
    openapi: '3.1.0',
    info: {
      title: 'Latchkey MSP API',
      version: '1.0.0',
      description:
        'Manage clients and their users, and activate self-service password reset. Authenticate with "Authorization: Bearer <API key>". A key sees only its own MSP (or its one client): anything else answers 404.',
    },
    servers: [{ url: `${publicUrl}/api/v1` }],
    security: [{ bearer: [] }],
    paths: {
      '/clients': {
        get: {
          summary: 'List clients',
          parameters: paging,
          responses: { 200: { description: 'A page of clients', ...json(page('Client')) }, ...commonErrors },
        },
        post: {
          summary: 'Create a client (tenant)',
          requestBody: { required: true, ...json(ref('NewClient')) },
          responses: {
            201: { description: 'Created', ...json(ref('Client')) },
            403: error,
            409: error,
            ...commonErrors,
          },
        },
      },
      '/clients/{clientId}': {
        get: {
          summary: 'Read a client',
          parameters: [idParam('clientId')],
          responses: { 200: { description: 'The client', ...json(ref('Client')) }, ...commonErrors },
        },
        patch: {
          summary: "Change a client's settings (reset policy); keys not given keep their value",
          parameters: [idParam('clientId')],
          requestBody: {
            required: true,
            ...json({ type: 'object', required: ['settings'], properties: { settings: ref('ClientSettings') } }),
          },
          responses: { 200: { description: 'The client', ...json(ref('Client')) }, ...commonErrors },
        },
      },
      '/clients/{clientId}/agents': {
        get: {
          summary: "List a client's agents with their health",
          parameters: [idParam('clientId')],
          responses: { 200: { description: 'Agents', ...json(page('Agent')) }, ...commonErrors },
        },
        post: {
          summary: 'Issue credentials for a new on-premises agent; the token is shown once',
          parameters: [idParam('clientId')],
          requestBody: {
            required: true,
            ...json({ type: 'object', required: ['name'], properties: { name: { type: 'string' } } }),
          },
          responses: {
            201: {
              description: 'The agent and its token',
              ...json({ allOf: [ref('Agent'), { type: 'object', properties: { token: { type: 'string' } } }] }),
            },
            ...commonErrors,
          },
        },
      },
      '/clients/{clientId}/agents/{agentId}/revoke': {
        post: {
          summary: "Revoke an agent's credentials",
          parameters: [idParam('clientId'), idParam('agentId')],
          responses: { 200: { description: 'The agent', ...json(ref('Agent')) }, ...commonErrors },
        },
      },
      '/clients/{clientId}/users/{userId}/reset-password': {
        post: {
          summary: "Reset an enrolled user's password on the client's directory and text it to the enrolled phone",
          description:
            'Waits up to 25 s for the outcome. The password is never returned. Repeated calls join the reset already running.',
          parameters: [idParam('clientId'), idParam('userId')],
          responses: {
            ...commonErrors,
            200: { description: 'Completed', ...json(ref('ResetResult')) },
            202: { description: 'Still running; see the reset history' },
            409: error,
            429: { description: 'Refused: the hourly limit for this user was reached', ...json(ref('ResetResult')) },
            502: {
              description: 'The directory refused or could not be reached; code and userMessage say why',
              ...json(ref('ResetResult')),
            },
          },
        },
      },
      '/clients/{clientId}/password-resets': {
        get: {
          summary: 'Reset request history',
          parameters: [idParam('clientId'), ...paging],
          responses: { 200: { description: 'A page of resets', ...json(page('PasswordReset')) }, ...commonErrors },
        },
      },
      '/clients/{clientId}/users': {
        get: {
          summary: "List a client's users",
          parameters: [idParam('clientId'), ...paging, { name: 'status', in: 'query', schema: ref('UserStatus') }],
          responses: { 200: { description: 'A page of users', ...json(page('User')) }, ...commonErrors },
        },
        post: {
          summary: 'Create a user',
          parameters: [idParam('clientId')],
          requestBody: { required: true, ...json(ref('NewUser')) },
          responses: { 201: { description: 'Created', ...json(ref('User')) }, 409: error, ...commonErrors },
        },
      },
      '/clients/{clientId}/users/import': {
        post: {
          summary: 'Create up to 1,000 users at once, all or nothing',
          parameters: [idParam('clientId')],
          requestBody: {
            required: true,
            ...json({
              type: 'object',
              required: ['users'],
              properties: { users: { type: 'array', maxItems: 1000, items: ref('NewUser') } },
            }),
          },
          responses: {
            201: {
              description: 'All created',
              ...json({
                type: 'object',
                properties: { created: { type: 'integer' }, items: { type: 'array', items: ref('User') } },
              }),
            },
            409: {
              description: 'Some entries conflict; nothing was imported. details lists them.',
              ...json(ref('Error')),
            },
            ...commonErrors,
          },
        },
      },
      '/clients/{clientId}/users/activate': {
        post: {
          summary: 'Activate up to 1,000 users: each gets one enrollment workflow and one activation email',
          parameters: [idParam('clientId')],
          requestBody: {
            required: true,
            ...json({
              type: 'object',
              required: ['userIds'],
              properties: { userIds: { type: 'array', maxItems: 1000, items: { type: 'string', format: 'uuid' } } },
            }),
          },
          responses: {
            202: {
              description: 'One result per user',
              ...json({ type: 'object', properties: { results: { type: 'array', items: ref('ActivationResult') } } }),
            },
            ...commonErrors,
          },
        },
      },
      '/clients/{clientId}/users/{userId}': {
        get: {
          summary: "Read a user's status",
          parameters: [idParam('clientId'), idParam('userId')],
          responses: { 200: { description: 'The user', ...json(ref('User')) }, ...commonErrors },
        },
      },
      '/clients/{clientId}/users/{userId}/activate': {
        post: {
          summary: 'Activate one user (idempotent)',
          parameters: [idParam('clientId'), idParam('userId')],
          responses: { 202: { description: 'Result', ...json(ref('ActivationResult')) }, ...commonErrors },
        },
      },
      '/clients/{clientId}/users/{userId}/resend-activation': {
        post: {
          summary: 'Send a fresh activation link; earlier links stop working',
          parameters: [idParam('clientId'), idParam('userId')],
          responses: { 202: { description: 'Result', ...json(ref('ActivationResult')) }, 409: error, ...commonErrors },
        },
      },
      '/clients/{clientId}/users/{userId}/deactivate': {
        post: {
          summary: 'Stop any enrollment and forget the phone number',
          parameters: [idParam('clientId'), idParam('userId')],
          responses: { 200: { description: 'The user', ...json(ref('User')) }, ...commonErrors },
        },
      },
      '/audit-events': {
        get: {
          summary: 'List audit events, oldest first',
          parameters: [
            ...paging,
            { name: 'clientId', in: 'query', schema: { type: 'string', format: 'uuid' } },
            { name: 'userId', in: 'query', schema: { type: 'string', format: 'uuid' } },
            { name: 'action', in: 'query', schema: { type: 'string' } },
          ],
          responses: { 200: { description: 'A page of events', ...json(page('AuditEvent')) }, ...commonErrors },
        },
      },
    },
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'An API key: lk_<id>_<secret>' } },
      responses: { Error: { description: 'An error with a reason', ...json(ref('Error')) } },
      schemas: {
        Error: {
          type: 'object',
          required: ['error'],
          properties: {
            error: {
              type: 'object',
              required: ['code', 'message'],
              properties: { code: { type: 'string' }, message: { type: 'string' }, details: {} },
            },
          },
        },
        NewClient: {
          type: 'object',
          required: ['name'],
          additionalProperties: false,
          properties: {
            name: { type: 'string', maxLength: 200 },
            settings: { type: 'object', properties: { displayName: { type: 'string' } } },
          },
        },
        ClientSettings: {
          type: 'object',
          additionalProperties: false,
          properties: {
            displayName: { type: 'string' },
            passwordLength: { type: 'integer', minimum: 8, maximum: 64, default: 12 },
            mustChangeAtNextLogon: { type: 'boolean', default: true },
            unlockOnReset: { type: 'boolean', default: true },
            requireSmsPin: { type: 'boolean', default: false },
            resetsPerHour: { type: 'integer', minimum: 1, maximum: 100, default: 5 },
          },
        },
        Agent: {
          type: 'object',
          properties: {
            id: { type: 'string', format: 'uuid' },
            name: { type: 'string' },
            status: { type: 'string', enum: ['online', 'offline', 'revoked'] },
            version: { type: ['string', 'null'] },
            hostname: { type: ['string', 'null'] },
            lastSeenAt: { type: ['string', 'null'], format: 'date-time' },
            createdAt: { type: 'string', format: 'date-time' },
            revokedAt: { type: ['string', 'null'], format: 'date-time' },
          },
        },
        ResetResult: {
          type: 'object',
          properties: {
            status: { type: 'string', enum: ['completed', 'refused', 'failed'] },
            resetId: { type: 'string', format: 'uuid' },
            unlocked: { type: 'boolean' },
            reason: { type: 'string', enum: ['not_enrolled', 'rate_limited'] },
            code: { type: 'string' },
            userMessage: { type: 'string' },
          },
        },
        PasswordReset: {
          type: 'object',
          properties: {
            id: { type: 'string', format: 'uuid' },
            userId: { type: 'string', format: 'uuid' },
            channel: { type: 'string', enum: ['sms', 'technician'] },
            requestedBy: { type: 'string' },
            status: { type: 'string', enum: ['running', 'completed', 'failed', 'refused'] },
            failureCode: { type: ['string', 'null'] },
            createdAt: { type: 'string', format: 'date-time' },
            endedAt: { type: ['string', 'null'], format: 'date-time' },
          },
        },
        Client: {
          type: 'object',
          properties: {
            id: { type: 'string', format: 'uuid' },
            name: { type: 'string' },
            settings: { type: 'object' },
            createdAt: { type: 'string', format: 'date-time' },
          },
        },
        UserStatus: {
          type: 'string',
          enum: [
            'inactive',
            'invited',
            'enrolling',
            'blocked',
            'enrolled_app',
            'enrolled_sms',
            'expired',
            'deactivated',
          ],
        },
        NewUser: {
          type: 'object',
          required: ['username', 'email'],
          additionalProperties: false,
          properties: {
            username: { type: 'string', description: 'sAMAccountName or UPN' },
            email: { type: 'string', format: 'email' },
            displayName: { type: 'string' },
          },
        },
        User: {
          type: 'object',
          properties: {
            id: { type: 'string', format: 'uuid' },
            clientId: { type: 'string', format: 'uuid' },
            username: { type: 'string' },
            email: { type: 'string' },
            displayName: { type: ['string', 'null'] },
            status: ref('UserStatus'),
            enrollmentMethod: { type: ['string', 'null'], enum: ['app', 'sms', null] },
            phoneHint: { type: ['string', 'null'], description: 'The last two digits of the enrolled number' },
            enrolledAt: { type: ['string', 'null'], format: 'date-time' },
            createdAt: { type: 'string', format: 'date-time' },
            updatedAt: { type: 'string', format: 'date-time' },
          },
        },
        ActivationResult: {
          type: 'object',
          properties: {
            userId: { type: 'string', format: 'uuid' },
            outcome: { type: 'string', enum: ['activated', 'already_activated', 'already_enrolled', 'not_found'] },
          },
        },
        AuditEvent: {
          type: 'object',
          properties: {
            id: { type: 'string' },
            clientId: { type: ['string', 'null'] },
            userId: { type: ['string', 'null'] },
            actor: { type: 'string' },
            action: { type: 'string' },
            detail: { type: 'object' },
            createdAt: { type: 'string', format: 'date-time' },
          },
        },
      },
    },
  };
}
