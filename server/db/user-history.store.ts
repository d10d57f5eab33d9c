import type { AuditAction } from '../../common/domain/audit-actions';
import type { Database } from './connect';

/** One step of a user's story, as the audit log recorded it, with the lockout workflow it belongs to, if any. */
export interface UserHistoryEntry {
  id: string;
  at: Date;
  action: AuditAction;
  actor: string;
  detail: Record<string, unknown>;
  /** For a lockout's events: the workflow that ran that lockout (a later lockout has another). */
  lockoutWorkflowId: string | null;
}

/** Reads of a technician's workflow decodes say who looked, not what happened to the user: the audit log has them. */
const NOT_STEPS: readonly AuditAction[] = ['codec.decoded'];

/**
 * A user's timeline (the console's user page): enrollment, devices, resets, lockouts and unlocks, newest first,
 * from the audit log, which every one of those writes to. Callers have checked the user is the technician's.
 */
export class UserHistoryStore {
  constructor(private readonly db: Database) {}

  async of(userId: string, limit = 100): Promise<UserHistoryEntry[]> {
    const rows: Array<{
      id: string | number;
      created_at: Date;
      action: AuditAction;
      actor: string;
      detail: Record<string, unknown>;
      lockout_workflow_id: string | null;
    }> = await this.db('audit_events')
      // Compared as text: a detail is JSON that no constraint types, and a cast of a stray value would fail the page.
      .leftJoin('lockouts', this.db.raw("lockouts.id::text = audit_events.detail->>'lockoutId'"))
      .where('audit_events.user_id', userId)
      .whereNotIn('audit_events.action', NOT_STEPS)
      .orderBy([
        { column: 'audit_events.created_at', order: 'desc' },
        { column: 'audit_events.id', order: 'desc' },
      ])
      .limit(limit)
      .select(
        'audit_events.id',
        'audit_events.created_at',
        'audit_events.action',
        'audit_events.actor',
        'audit_events.detail',
        'lockouts.workflow_id as lockout_workflow_id',
      );
    return rows.map((row) => ({
      id: String(row.id),
      at: row.created_at,
      action: row.action,
      actor: row.actor,
      detail: row.detail,
      lockoutWorkflowId: row.lockout_workflow_id,
    }));
  }
}
