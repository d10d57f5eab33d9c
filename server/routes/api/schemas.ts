import { z } from 'zod';
import { API_KEY_ROLES } from '../../../common/domain/api-key-roles';
import { clientSettingsSchema } from '../../../common/domain/client-policy';
import { USER_STATUSES } from '../../../common/domain/statuses';

export const uuid = z.string().uuid('must be a UUID');

export const pageQuery = z
  .object({
    limit: z.coerce.number().int().min(1).max(200).default(50),
    cursor: z
      .string()
      .max(500)
      .optional()
      .describe('nextCursor from the previous page; any other value is a 400 that says what is wrong with it'),
  })
  .passthrough();

export const newClient = z
  .object({
    name: z.string().trim().min(1).max(200),
    settings: clientSettingsSchema.default({}),
  })
  .strict();

// sAMAccountName allows at most 20 characters and forbids these; a UPN is also accepted.
const username = z
  .string()
  .trim()
  .min(1)
  .max(256)
  .refine(
    (value) => !/["/\\[\]:;|=,+*?<>]/.test(value.split('@')[0] ?? ''),
    'contains a character that Active Directory does not allow in a username',
  )
  .describe('sAMAccountName or UPN');

export const newUser = z
  .object({
    username,
    email: z.string().trim().email('must be an email address').max(320),
    displayName: z.string().trim().min(1).max(200).optional(),
  })
  .strict();

export const importUsers = z
  .object({ users: z.array(newUser).min(1).max(1000, 'import at most 1,000 users per request') })
  .strict();

export const activateMany = z
  .object({ userIds: z.array(uuid).min(1).max(1000, 'activate at most 1,000 users per request') })
  .strict();

export const userStatus = z.enum(USER_STATUSES);

export const updateClient = z.object({ settings: clientSettingsSchema }).strict();

export const listUsersQuery = pageQuery.extend({ status: userStatus.optional() });

export const auditQuery = pageQuery.extend({
  clientId: uuid.optional(),
  userId: uuid.optional(),
  action: z
    .string()
    .regex(/^[a-z_.]+$/)
    .max(64)
    .optional()
    .describe('An audit action such as user.created'),
});

export const newAgent = z.object({ name: z.string().trim().min(1).max(200) }).strict();

export const newApiKey = z
  .object({
    name: z.string().trim().min(1).max(200),
    role: z.enum(API_KEY_ROLES),
    clientId: uuid.optional().describe('Scope the key to this one client; omitted, the key sees the whole MSP'),
    expiresAt: z
      .string()
      .datetime({ offset: true, message: 'must be an ISO 8601 time such as 2027-01-31T00:00:00Z' })
      .refine((value) => new Date(value).getTime() > Date.now(), 'must be in the future')
      .optional()
      .describe('After this time the key answers 401 api_key_expired; omitted, it does not expire'),
  })
  .strict();
