import type { AgentRow } from '../../db/agents.store';
import { LATCHKEY_VERSION } from '../../../common/version';
import { agentStatusOf } from '../../../common/domain/agent-health';
import { isOlderRelease } from '../../services/release-order';
import type { ApiKeyRecord } from '../../db/api-keys.store';
import type { AuditRow } from '../../db/audit.store';
import type { DeviceRow } from '../../db/devices.store';
import type { PasswordResetRow } from '../../db/password-resets.store';
import type { ClientRow } from '../../db/tenants.store';
import type { UserRecord } from '../../db/users.store';
import type { apiKey, agent, auditEvent, client, device, passwordReset, user } from './response-schemas';
import type { z } from './zod-openapi';

/** The API's view of rows: camelCase, no internal columns, and the phone number reduced to its last digits. */
export function presentClient(row: ClientRow): z.input<typeof client> {
  return { id: row.id, name: row.name, settings: row.settings, createdAt: new Date(row.created_at).toISOString() };
}

/** Takes the store's camelCase record (`toUserRecord`), so the column names are mapped in one place only. */
export function presentUser(record: UserRecord, phoneLast2: string | null): z.input<typeof user> {
  const { id, clientId, username, email, displayName, status, enrollmentMethod } = record;
  return {
    id,
    clientId,
    username,
    email,
    displayName,
    status,
    enrollmentMethod,
    phoneHint: phoneLast2 ? `••••${phoneLast2}` : null,
    smsOptedOut: record.smsOptedOut,
    smsResetLockedUntil:
      record.smsResetLockedUntil && new Date(record.smsResetLockedUntil).getTime() > Date.now()
        ? new Date(record.smsResetLockedUntil).toISOString()
        : null,
    enrolledAt: record.enrolledAt ? new Date(record.enrolledAt).toISOString() : null,
    createdAt: new Date(record.createdAt).toISOString(),
    updatedAt: new Date(record.updatedAt).toISOString(),
  };
}

export function presentAuditEvent(row: AuditRow): z.input<typeof auditEvent> {
  return {
    id: String(row.id),
    clientId: row.client_id,
    userId: row.user_id,
    actor: row.actor,
    action: row.action,
    detail: row.detail,
    createdAt: new Date(row.created_at).toISOString(),
  };
}

/** Online or offline by the one rule (common/domain/agent-health.ts), over the interval agents are told to beat at. */
export function presentAgent(row: AgentRow, heartbeatIntervalMs: number, now = new Date()): z.input<typeof agent> {
  const lastSeen = row.last_seen_at ? new Date(row.last_seen_at) : null;
  return {
    id: row.id,
    name: row.name,
    status: agentStatusOf({ lastSeenAt: lastSeen, revokedAt: row.revoked_at }, now, heartbeatIntervalMs),
    version: row.version,
    outdated: isOlderRelease(row.version, LATCHKEY_VERSION),
    serverVersion: LATCHKEY_VERSION,
    hostname: row.hostname,
    lastSeenAt: lastSeen?.toISOString() ?? null,
    createdAt: new Date(row.created_at).toISOString(),
    revokedAt: row.revoked_at ? new Date(row.revoked_at).toISOString() : null,
  };
}

export function presentPasswordReset(row: PasswordResetRow): z.input<typeof passwordReset> {
  return {
    id: row.id,
    userId: row.user_id,
    channel: row.channel,
    requestedBy: row.requested_by,
    status: row.status,
    failureCode: row.failure_code,
    createdAt: new Date(row.created_at).toISOString(),
    endedAt: row.ended_at ? new Date(row.ended_at).toISOString() : null,
  };
}

const isoOrNull = (value: Date | null) => (value ? new Date(value).toISOString() : null);

/** Only what a technician needs to recognise and revoke a phone. */
export function presentDevice(row: DeviceRow): z.input<typeof device> {
  return {
    id: row.id,
    label: row.label,
    status: row.status,
    protection: row.protection,
    pushEnabled: row.push_target_encrypted !== null,
    createdAt: new Date(row.created_at).toISOString(),
    activatedAt: isoOrNull(row.activated_at),
    lastSeenAt: isoOrNull(row.last_seen_at),
    revokedAt: isoOrNull(row.revoked_at),
    revokedReason: (row.revoked_reason as z.input<typeof device>['revokedReason']) ?? null,
  };
}

/** Never the secret or its hash: only what tells keys apart and when each was used. */
export function presentApiKey(row: ApiKeyRecord): z.input<typeof apiKey> {
  return {
    id: row.id,
    name: row.name,
    role: row.role,
    clientId: row.client_id,
    keyId: row.key_id,
    createdAt: new Date(row.created_at).toISOString(),
    expiresAt: isoOrNull(row.expires_at),
    lastUsedAt: isoOrNull(row.last_used_at),
    revokedAt: isoOrNull(row.revoked_at),
  };
}
