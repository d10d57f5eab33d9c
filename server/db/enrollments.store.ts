import type { EnrollmentRef } from '../../common/domain/enrollment';
import type { EnrollmentStatus, UserStatus } from '../../common/domain/statuses';
import type { Database } from './connect';

/** An enrollment with the workflow that runs it, as an activation link leads to it. */
export interface EnrollmentWorkflowRef extends EnrollmentRef {
  workflowId: string;
}

/**
 * An enrollment row with its user's standing, as the central activities read it before they act: the run that
 * owns it, the number and code last sent, whether the API saw that code typed, and what the user row says now.
 */
export interface EnrollmentRecord extends EnrollmentWorkflowRef {
  /** Null until the workflow claims the row, and on rows opened before migration 004. */
  runId: string | null;
  status: EnrollmentStatus;
  ended: boolean;
  codePhoneLookup: string | null;
  codeVerified: boolean;
  userStatus: UserStatus;
  userPhoneLookup: string | null;
}

interface RecordRow {
  id: string;
  user_id: string;
  workflow_id: string;
  run_id: string | null;
  status: EnrollmentStatus;
  ended_at: Date | null;
  code_phone_lookup: string | null;
  code_verified_at: Date | null;
  user_status: UserStatus;
  user_phone_lookup: string | null;
}

export type LinkLookup =
  | ({ outcome: 'valid' } & EnrollmentWorkflowRef)
  | { outcome: 'unknown' }
  | ({ outcome: 'expired' | 'used' | 'revoked' } & EnrollmentWorkflowRef);

interface LinkRow {
  enrollment_id: string;
  user_id: string;
  workflow_id: string;
  enrollment_ended_at: Date | null;
  expires_at: Date;
  consumed_at: Date | null;
  revoked_at: Date | null;
}

/** A "This wasn't me" link from the owner's notice, and the enrollment it may turn off. */
export type DisownLinkLookup = ({ outcome: 'valid' | 'used' | 'expired' } & EnrollmentRef) | { outcome: 'unknown' };

export class EnrollmentsStore {
  constructor(private readonly db: Database) {}

  /**
   * The starter's record of the enrollment it is about to start, made before the workflow exists: the workflow's
   * activities act on no enrollment that the API did not create. No run yet; the workflow's first step claims it.
   */
  async create(ref: EnrollmentWorkflowRef): Promise<void> {
    await this.db('enrollments').insert({
      id: ref.enrollmentId,
      user_id: ref.userId,
      workflow_id: ref.workflowId,
      status: 'invited',
    });
  }

  /** Drops a created enrollment whose workflow never started (the start failed, or one was already running). */
  async discard(enrollmentId: string): Promise<void> {
    await this.db('enrollments').where({ id: enrollmentId }).whereNull('run_id').del();
  }

  /**
   * The workflow's first step: its run claims the open enrollment the starter created for that very workflow.
   * Idempotent for the same run; false, writing nothing, when there is no such row or another run holds it.
   */
  async claim(ref: EnrollmentWorkflowRef & { runId: string }): Promise<boolean> {
    const claimed = await this.db('enrollments')
      .where({ id: ref.enrollmentId, user_id: ref.userId, workflow_id: ref.workflowId })
      .whereNull('ended_at')
      .andWhere((query) => query.whereNull('run_id').orWhere('run_id', ref.runId))
      .update({ run_id: ref.runId });
    return claimed > 0;
  }

  /**
   * The enrollment and its user in one read. With `lock`, both rows are locked until the transaction ends, so
   * that what a check saw is still true when the writes that follow it land.
   */
  async find(enrollmentId: string, options: { lock?: boolean } = {}): Promise<EnrollmentRecord | undefined> {
    const query = this.db('enrollments')
      .join('users', 'users.id', 'enrollments.user_id')
      .where('enrollments.id', enrollmentId)
      .select(
        'enrollments.id',
        'enrollments.user_id',
        'enrollments.workflow_id',
        'enrollments.run_id',
        'enrollments.status',
        'enrollments.ended_at',
        'enrollments.code_phone_lookup',
        'enrollments.code_verified_at',
        'users.status as user_status',
        'users.phone_lookup as user_phone_lookup',
      )
      .first();
    if (options.lock) query.forUpdate();
    const row = (await query) as RecordRow | undefined;
    if (!row) return undefined;
    return {
      enrollmentId: row.id,
      userId: row.user_id,
      workflowId: row.workflow_id,
      runId: row.run_id,
      status: row.status,
      ended: row.ended_at !== null,
      codePhoneLookup: row.code_phone_lookup,
      codeVerified: row.code_verified_at !== null,
      userStatus: row.user_status,
      userPhoneLookup: row.user_phone_lookup,
    };
  }

  /**
   * What a text carried, in keyed hashes: the number and the code, with when its send began. A new code voids
   * any earlier verification, since only the newest code works. A send that began before the one recorded is a
   * late run of an older send (a local activity goes on running when its workflow leaves the worker's cache, and
   * the workflow runs it again): it changes nothing, so it can neither put an older code back nor undo the check.
   */
  async recordCodeSent(
    enrollmentId: string,
    sent: { phoneLookup: string; codeHash: string; sendBegan: Date },
  ): Promise<void> {
    await this.db('enrollments')
      .where({ id: enrollmentId })
      .whereNull('ended_at')
      .where((newer) => newer.whereNull('code_sent_at').orWhere('code_sent_at', '<=', sent.sendBegan))
      .update({
        code_phone_lookup: sent.phoneLookup,
        code_hash: sent.codeHash,
        code_sent_at: sent.sendBegan,
        // The same code to the same number is a repeat of this very send (a retry), which keeps a verification
        // that the user's typing has already recorded.
        code_verified_at: this.db.raw(
          'CASE WHEN code_hash = ? AND code_phone_lookup = ? THEN code_verified_at ELSE NULL END',
          [sent.codeHash, sent.phoneLookup],
        ),
      });
  }

  /**
   * The API's record that the user typed the latest code: only when the hash it computed from the typed digits
   * is the one sendVerificationCode stored, on that user's open enrollment. Returns whether it matched.
   */
  async recordCodeVerified(ref: EnrollmentRef, codeHash: string): Promise<boolean> {
    const updated = await this.db('enrollments')
      .where({ id: ref.enrollmentId, user_id: ref.userId, code_hash: codeHash })
      .whereNull('ended_at')
      .whereNotNull('code_phone_lookup')
      .update({ code_verified_at: this.db.raw('coalesce(code_verified_at, now())') });
    return updated > 0;
  }

  /** Ends an open enrollment as enrolled; returns false, writing nothing, if it was not open and enrolling. */
  async markEnrolled(enrollmentId: string, status: 'enrolled_app' | 'enrolled_sms'): Promise<boolean> {
    const updated = await this.db('enrollments')
      .where({ id: enrollmentId, status: 'enrolling' })
      .whereNull('ended_at')
      .update({ status, ended_at: this.db.fn.now() });
    return updated > 0;
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
        'enrollments.ended_at as enrollment_ended_at',
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
    // A link of an enrollment that has ended (a deactivation, an expiry) opens nothing, whatever its own row says.
    if (row.revoked_at || row.enrollment_ended_at) return { outcome: 'revoked', ...ref };
    if (new Date(row.expires_at) <= now) return { outcome: 'expired', ...ref };
    return { outcome: 'valid', ...ref };
  }

  /**
   * Single use, decided by one conditional UPDATE: two tabs racing on one link cannot both win, and a link of an
   * enrollment that has ended is not spent at all.
   */
  async consumeLink(tokenHash: string): Promise<LinkLookup> {
    const consumed = await this.db('activation_links')
      .where({ token_hash: tokenHash })
      .whereNull('consumed_at')
      .whereNull('revoked_at')
      .andWhere('expires_at', '>', this.db.fn.now())
      .whereIn('enrollment_id', this.db('enrollments').select('id').whereNull('ended_at'))
      .update({ consumed_at: this.db.fn.now() })
      .returning('enrollment_id');
    const lookup = await this.lookupLink(tokenHash);
    if (lookup.outcome === 'unknown') return lookup;
    if (consumed.length === 0) return lookup.outcome === 'valid' ? { ...lookup, outcome: 'used' } : lookup;
    return { ...lookup, outcome: 'valid' };
  }

  /** Whether the user has an open enrollment other than `enrollmentId`: one whose workflow is running. */
  async hasOpenBesides(userId: string, enrollmentId: string): Promise<boolean> {
    const row = await this.db('enrollments')
      .where({ user_id: userId })
      .whereNot({ id: enrollmentId })
      .whereNull('ended_at')
      .first('id');
    return row !== undefined;
  }

  /** The newest enrollment of a user: the only one whose owner's notice can still turn it off. */
  async latestOf(userId: string): Promise<string | undefined> {
    const row: { id: string } | undefined = await this.db('enrollments')
      .where({ user_id: userId })
      .orderBy('started_at', 'desc')
      .first('id');
    return row?.id;
  }

  /** A "This wasn't me" link for the owner's notice; earlier ones stay valid, since their emails may have gone out. */
  async addDisownLink(enrollmentId: string, tokenHash: string, expiresAt: Date): Promise<void> {
    await this.db('disown_links').insert({ token_hash: tokenHash, enrollment_id: enrollmentId, expires_at: expiresAt });
  }

  async lookupDisownLink(tokenHash: string, now = new Date()): Promise<DisownLinkLookup> {
    const row: { enrollment_id: string; user_id: string; expires_at: Date; consumed_at: Date | null } | undefined =
      await this.db('disown_links')
        .join('enrollments', 'enrollments.id', 'disown_links.enrollment_id')
        .where('disown_links.token_hash', tokenHash)
        .first(
          'disown_links.enrollment_id',
          'enrollments.user_id',
          'disown_links.expires_at',
          'disown_links.consumed_at',
        );
    if (!row) return { outcome: 'unknown' };
    const found = { enrollmentId: row.enrollment_id, userId: row.user_id };
    if (row.consumed_at) return { outcome: 'used', ...found };
    if (new Date(row.expires_at) <= now) return { outcome: 'expired', ...found };
    return { outcome: 'valid', ...found };
  }

  /** Spends a disown link: one conditional UPDATE, so a double click or two tabs act once. */
  async consumeDisownLink(tokenHash: string): Promise<boolean> {
    const consumed = await this.db('disown_links')
      .where({ token_hash: tokenHash })
      .whereNull('consumed_at')
      .andWhere('expires_at', '>', this.db.fn.now())
      .update({ consumed_at: this.db.fn.now() });
    return consumed > 0;
  }
}
