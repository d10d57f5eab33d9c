import type { LockoutEnding, LockoutNotice, LockoutStatus } from '../../common/domain/lockout-outcome';
import type { Database } from './connect';

export interface LockoutRow {
  id: string;
  client_id: string;
  user_id: string;
  workflow_id: string;
  locked_at: Date;
  unlocks_at: Date | null;
  status: LockoutStatus;
  reset_recommended: boolean;
  notice: LockoutNotice | null;
  acknowledged_at: Date | null;
  ended_by: string | null;
  ended_at: Date | null;
  created_at: Date;
}

/** One row per lockout of an enrolled user; the workflow the row names is the only one that may act on it. */
export class LockoutsStore {
  constructor(private readonly db: Database) {}

  /** The row for this lockout, written now or found as an earlier report wrote it; `created` tells which. */
  async openOnce(lockout: {
    clientId: string;
    userId: string;
    workflowId: string;
    lockedAt: Date;
    unlocksAt: Date | null;
    resetRecommended: boolean;
  }): Promise<{ row: LockoutRow; created: boolean }> {
    const inserted: LockoutRow[] = await this.db('lockouts')
      .insert({
        client_id: lockout.clientId,
        user_id: lockout.userId,
        workflow_id: lockout.workflowId,
        locked_at: lockout.lockedAt,
        unlocks_at: lockout.unlocksAt,
        reset_recommended: lockout.resetRecommended,
      })
      .onConflict('workflow_id')
      .ignore()
      .returning('*');
    if (inserted[0]) return { row: inserted[0], created: true };
    const row: LockoutRow = await this.db('lockouts').where({ workflow_id: lockout.workflowId }).first();
    return { row, created: false };
  }

  /** Lockouts of the user that began at or after `since`, this one included. */
  async countSince(userId: string, since: Date): Promise<number> {
    const row = await this.db('lockouts').where({ user_id: userId }).where('locked_at', '>=', since).count('* as n');
    return Number(row[0]?.n ?? 0);
  }

  async byWorkflowId(workflowId: string): Promise<LockoutRow | undefined> {
    return this.db('lockouts').where({ workflow_id: workflowId }).first();
  }

  async find(lockoutId: string): Promise<LockoutRow | undefined> {
    return this.db('lockouts').where({ id: lockoutId }).first();
  }

  /** The user's newest open lockout, if any: what "locked since" shows and what an unlock acts on. */
  async openOf(userId: string): Promise<LockoutRow | undefined> {
    return this.db('lockouts').where({ user_id: userId, status: 'open' }).orderBy('locked_at', 'desc').first();
  }

  /** The open lockouts of many users at once, for a page of users. */
  async openOfMany(userIds: string[]): Promise<Map<string, LockoutRow>> {
    if (userIds.length === 0) return new Map();
    const rows: LockoutRow[] = await this.db('lockouts')
      .whereIn('user_id', userIds)
      .where({ status: 'open' })
      .orderBy('locked_at', 'asc');
    return new Map(rows.map((row) => [row.user_id, row]));
  }

  async setNotice(lockoutId: string, notice: LockoutNotice): Promise<void> {
    await this.db('lockouts').where({ id: lockoutId }).update({ notice });
  }

  /** The app fetched it; true only the first time, so the workflow is signalled once. */
  async acknowledge(lockoutId: string): Promise<boolean> {
    const updated = await this.db('lockouts')
      .where({ id: lockoutId })
      .whereNull('acknowledged_at')
      .update({ acknowledged_at: this.db.fn.now() });
    return updated > 0;
  }

  /** Ends an open lockout; false when it had ended already. */
  async end(lockoutId: string, ending: LockoutEnding, by: string | null): Promise<boolean> {
    const updated = await this.db('lockouts')
      .where({ id: lockoutId, status: 'open' })
      .update({ status: ending, ended_by: by, ended_at: this.db.fn.now() });
    return updated > 0;
  }
}
