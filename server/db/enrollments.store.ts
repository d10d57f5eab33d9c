import type { EnrollmentRef } from '../../common/domain/enrollment';
import type { EnrollmentStatus } from '../../common/domain/statuses';
import type { Database } from './connect';

/** An enrollment with the workflow that runs it, as an activation link leads to it. */
export interface EnrollmentWorkflowRef extends EnrollmentRef {
  workflowId: string;
}

export type LinkLookup =
  | ({ outcome: 'valid' } & EnrollmentWorkflowRef)
  | { outcome: 'unknown' }
  | ({ outcome: 'expired' | 'used' | 'revoked' } & EnrollmentWorkflowRef);

interface LinkRow {
  enrollment_id: string;
  user_id: string;
  workflow_id: string;
  expires_at: Date;
  consumed_at: Date | null;
  revoked_at: Date | null;
}

export class EnrollmentsStore {
  constructor(private readonly db: Database) {}

  async open(ref: EnrollmentWorkflowRef): Promise<void> {
    await this.db('enrollments')
      .insert({ id: ref.enrollmentId, user_id: ref.userId, workflow_id: ref.workflowId, status: 'invited' })
      .onConflict('id')
      .ignore();
  }

  async setStatus(enrollmentId: string, status: EnrollmentStatus, ended: boolean): Promise<void> {
    await this.db('enrollments')
      .where({ id: enrollmentId })
      .update({ status, ended_at: ended ? this.db.fn.now() : null });
  }

  /** A new link replaces every earlier one of the same enrollment, so only the newest email works. */
  async replaceLink(enrollmentId: string, tokenHash: string, expiresAt: Date): Promise<void> {
    await this.db.transaction(async (trx) => {
      await trx('activation_links')
        .where({ enrollment_id: enrollmentId })
        .whereNull('consumed_at')
        .whereNull('revoked_at')
        .update({ revoked_at: trx.fn.now() });
      await trx('activation_links').insert({
        token_hash: tokenHash,
        enrollment_id: enrollmentId,
        expires_at: expiresAt,
      });
    });
  }

  private linkQuery(tokenHash: string) {
    return this.db('activation_links')
      .join('enrollments', 'enrollments.id', 'activation_links.enrollment_id')
      .select(
        'activation_links.enrollment_id',
        'enrollments.user_id',
        'enrollments.workflow_id',
        'activation_links.expires_at',
        'activation_links.consumed_at',
        'activation_links.revoked_at',
      )
      .where('activation_links.token_hash', tokenHash);
  }

  async lookupLink(tokenHash: string, now = new Date()): Promise<LinkLookup> {
    const row: LinkRow | undefined = await this.linkQuery(tokenHash).first();
    if (!row) return { outcome: 'unknown' };
    const ref = { enrollmentId: row.enrollment_id, userId: row.user_id, workflowId: row.workflow_id };
    if (row.consumed_at) return { outcome: 'used', ...ref };
    if (row.revoked_at) return { outcome: 'revoked', ...ref };
    if (new Date(row.expires_at) <= now) return { outcome: 'expired', ...ref };
    return { outcome: 'valid', ...ref };
  }

  /** Single use, decided by one conditional UPDATE: two tabs racing on one link cannot both win. */
  async consumeLink(tokenHash: string): Promise<LinkLookup> {
    const consumed = await this.db('activation_links')
      .where({ token_hash: tokenHash })
      .whereNull('consumed_at')
      .whereNull('revoked_at')
      .andWhere('expires_at', '>', this.db.fn.now())
      .update({ consumed_at: this.db.fn.now() })
      .returning('enrollment_id');
    const lookup = await this.lookupLink(tokenHash);
    if (consumed.length === 0 || lookup.outcome === 'unknown') return lookup;
    return { ...lookup, outcome: 'valid' };
  }
}
