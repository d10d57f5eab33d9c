import type { AuditRow } from '../../db/audit.store';
import type { ClientRow } from '../../db/tenants.store';
import type { UserRow } from '../../db/users.store';
import type { auditEvent, client, user } from './response-schemas';
import type { z } from './zod-openapi';

/** The API's view of rows: camelCase, no internal columns, and the phone number reduced to its last digits. */
export function presentClient(row: ClientRow): z.input<typeof client> {
  return { id: row.id, name: row.name, settings: row.settings, createdAt: new Date(row.created_at).toISOString() };
}

export function presentUser(row: UserRow, phoneLast2: string | null): z.input<typeof user> {
  return {
    id: row.id,
    clientId: row.client_id,
    username: row.username,
    email: row.email,
    displayName: row.display_name,
    status: row.status,
    enrollmentMethod: row.enrollment_method,
    phoneHint: phoneLast2 ? `••••${phoneLast2}` : null,
    enrolledAt: row.enrolled_at ? new Date(row.enrolled_at).toISOString() : null,
    createdAt: new Date(row.created_at).toISOString(),
    updatedAt: new Date(row.updated_at).toISOString(),
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
