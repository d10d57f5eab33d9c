import { API_KEY_ROLES } from '../../../common/domain/api-key-roles';
import { AUDIT_ACTIONS } from '../../../common/domain/audit-actions';
import { DEVICE_PROTECTIONS, DEVICE_REVOCATIONS, DEVICE_STATUSES } from '../../../common/domain/device';
import { clientSettingsSchema, DEFAULT_CLIENT_POLICY } from '../../../common/domain/client-policy';
import { ENROLLMENT_METHODS } from '../../../common/domain/enrollment';
import { RESET_CHANNELS, RESET_REFUSAL_REASONS, RESET_STATUSES } from '../../../common/domain/reset';
import { ACTIVATION_OUTCOMES, AGENT_STATUSES } from '../../../common/domain/statuses';
import { userStatus, uuid } from './schemas';
import { z } from './zod-openapi';

/**
 * What the API answers, as zod schemas. Nothing parses responses at run time: the presenters are typed against
 * these (`z.input`), so tsc fails when a response and its OpenAPI description part ways.
 */

const timestamp = z.string().datetime();

export const errorBody = z
  .object({
    error: z.object({
      code: z.string().describe('A stable, machine-readable reason, such as not_found or invalid_input'),
      message: z.string().describe('For people; may change'),
      details: z.unknown().optional().describe('Per-field problems, or the conflicting entries of an import'),
    }),
  })
  .openapi('Error');

export const userStatusSchema = userStatus.openapi('UserStatus');
export const clientSettings = clientSettingsSchema.openapi('ClientSettings', {
  description: `Keys not set take the defaults: ${JSON.stringify(DEFAULT_CLIENT_POLICY)}`,
});

export const client = z
  .object({ id: uuid, name: z.string(), settings: clientSettings, createdAt: timestamp })
  .openapi('Client');

export const user = z
  .object({
    id: uuid,
    clientId: uuid,
    username: z.string(),
    email: z.string(),
    displayName: z.string().nullable(),
    status: userStatusSchema,
    // zod-to-openapi 7 leaves null out of a nullable enum's values, which strict validators then reject.
    enrollmentMethod: z
      .enum(ENROLLMENT_METHODS)
      .nullable()
      .openapi({ enum: [...ENROLLMENT_METHODS, null] }),
    phoneHint: z.string().nullable().describe('The last two digits of the enrolled number'),
    smsOptedOut: z.boolean().describe('The user texted STOP: nothing is texted to them until they text START'),
    smsResetLockedUntil: timestamp
      .nullable()
      .describe('SMS RESET is refused until then, after too many wrong PINs; `unlock-sms-reset` lifts it'),
    enrolledAt: timestamp.nullable(),
    createdAt: timestamp,
    updatedAt: timestamp,
    lockout: z
      .object({
        id: uuid,
        lockedSince: timestamp,
        unlocksAt: timestamp.nullable().describe('When the directory lifts the lock by itself; null if never'),
        resetRecommended: z
          .boolean()
          .describe('Locked repeatedly in a short while: unlock is refused and a reset is recommended'),
        workflowUrl: z.string().describe("The lockout's workflow in the Temporal Web UI"),
      })
      .nullable()
      .optional()
      .describe('The open lockout Latchkey knows of (the agent reported it); null when the account is not locked'),
  })
  .openapi('User');

export const lockoutUnlock = z
  .object({
    lockoutId: uuid,
    status: z.literal('unlocked'),
    workflowUrl: z.string(),
  })
  .openapi('LockoutUnlock');

export const agent = z
  .object({
    id: uuid,
    name: z.string(),
    status: z
      .enum(AGENT_STATUSES)
      .describe(
        'offline once the agent has missed two heartbeats (2.5 × LATCHKEY_AGENT_HEARTBEAT_INTERVAL without one), or never sent one',
      ),
    version: z.string().nullable().describe('The release the agent reported in its last heartbeat'),
    outdated: z
      .boolean()
      .nullable()
      .describe('true when the agent runs an older release than the server; null until it reports a release number'),
    serverVersion: z.string().describe("The server's release, which an upgraded agent reports"),
    hostname: z.string().nullable(),
    lastSeenAt: timestamp.nullable(),
    createdAt: timestamp,
    revokedAt: timestamp.nullable(),
  })
  .openapi('Agent');

export const issuedAgent = agent
  .extend({
    token: z.string().describe('The agent credential; shown only in this response'),
    commandPublicKey: z
      .string()
      .describe("The server's command key, which the agent pins as LATCHKEY_AGENT_COMMAND_KEY: it obeys nothing else"),
  })
  .openapi('IssuedAgent');

export const keyGeneration = z
  .object({
    clientId: uuid,
    generation: z.number().int().positive().describe("The client's new current key generation"),
    createdAt: timestamp,
  })
  .openapi('KeyGeneration');

export const resetResult = z
  .discriminatedUnion('status', [
    z.object({ status: z.literal('completed'), resetId: uuid, unlocked: z.boolean() }),
    z.object({ status: z.literal('refused'), resetId: uuid, reason: z.enum(RESET_REFUSAL_REASONS) }),
    z.object({
      status: z.literal('failed'),
      resetId: uuid,
      code: z.string(),
      userMessage: z.string().describe('Safe to show the user'),
    }),
    z.object({
      status: z.literal('set_not_delivered'),
      resetId: uuid,
      code: z.literal('password_set_not_delivered'),
      message: z.string().describe('The directory has the new password but the user never got it; the MSP was alerted'),
    }),
  ])
  .openapi('ResetResult');

export const resetRunning = z.object({ status: z.literal('running'), message: z.string() }).openapi('ResetRunning');

export const passwordReset = z
  .object({
    id: uuid,
    userId: uuid,
    channel: z.enum(RESET_CHANNELS),
    requestedBy: z.string(),
    status: z.enum(RESET_STATUSES).describe('`pending` while the reset runs, then how it ended'),
    failureCode: z.string().nullable(),
    createdAt: timestamp,
    endedAt: timestamp.nullable(),
  })
  .openapi('PasswordReset');

export const activationResult = z
  .object({ userId: uuid, outcome: z.enum(ACTIVATION_OUTCOMES) })
  .openapi('ActivationResult');

export const auditEvent = z
  .object({
    id: z.string(),
    clientId: uuid.nullable(),
    userId: uuid.nullable(),
    actor: z.string(),
    action: z.enum(AUDIT_ACTIONS),
    detail: z.record(z.unknown()),
    createdAt: timestamp,
  })
  .openapi('AuditEvent');

export const importResult = z.object({ created: z.number().int(), items: z.array(user) }).openapi('ImportResult');

export const activationResults = z.object({ results: z.array(activationResult) }).openapi('ActivationResults');

/** A page of a list: pass nextCursor back as cursor for the next one. */
export const page = <Item extends z.ZodTypeAny>(item: Item) =>
  z.object({
    items: z.array(item),
    nextCursor: z.string().nullable().describe('null on the last page'),
  });

export const device = z
  .object({
    id: uuid,
    label: z.string(),
    status: z.enum(DEVICE_STATUSES),
    protection: z.enum(DEVICE_PROTECTIONS),
    pushEnabled: z.boolean(),
    createdAt: timestamp,
    activatedAt: timestamp.nullable(),
    lastSeenAt: timestamp.nullable(),
    revokedAt: timestamp.nullable(),
    revokedReason: z
      .enum(DEVICE_REVOCATIONS)
      .nullable()
      .openapi({ enum: [...DEVICE_REVOCATIONS, null] }),
  })
  .openapi('Device');

export const apiKey = z
  .object({
    id: uuid,
    name: z.string(),
    role: z.enum(API_KEY_ROLES),
    clientId: uuid.nullable().describe('The one client the key is scoped to; null for the whole MSP'),
    keyId: z.string().describe('The public part of the token (lk_<keyId>_…), to recognise a key; never its secret'),
    createdAt: timestamp,
    expiresAt: timestamp.nullable(),
    lastUsedAt: timestamp.nullable().describe('Written at most once a minute per key'),
    revokedAt: timestamp.nullable(),
  })
  .openapi('ApiKey');

export const issuedApiKey = apiKey
  .extend({ token: z.string().describe('The API key; shown only in this response') })
  .openapi('IssuedApiKey');
