import type { ApiKeyRole } from '../../common/domain/api-key-roles';
import { DAY_MS } from '../../common/duration';
import type { Database } from './connect';

/**
 * How long an ended or idle session's row is kept before the hourly purge deletes it. Far beyond the 30-minute
 * idle timeout, so that a row the purge deletes is one that could not sign anyone in any more.
 */
export const CONSOLE_SESSION_RETENTION_MS = DAY_MS;

export type SessionStage = 'password' | 'active';

/** A session with the technician it belongs to, as a console request needs it. */
export interface TechnicianSessionView {
  sessionId: string;
  stage: SessionStage;
  createdAt: Date;
  lastSeenAt: Date;
  technicianId: string;
  mspId: string;
  email: string;
  displayName: string;
  role: ApiKeyRole;
  disabled: boolean;
}

/** Server-side console sessions, found by the keyed hash of the cookie's value; the cookie holds nothing else. */
export class TechnicianSessionsStore {
  constructor(private readonly db: Database) {}

  async start(technicianId: string, tokenHash: string, stage: SessionStage): Promise<string> {
    const [row] = await this.db('technician_sessions')
      .insert({ technician_id: technicianId, token_hash: tokenHash, stage })
      .returning('id');
    return (row as { id: string }).id;
  }

  async find(tokenHash: string): Promise<TechnicianSessionView | undefined> {
    const row = await this.db('technician_sessions as s')
      .join('technicians as t', 't.id', 's.technician_id')
      .where({ 's.token_hash': tokenHash })
      .whereNull('s.ended_at')
      .first(
        's.id as sessionId',
        's.stage as stage',
        's.created_at as createdAt',
        's.last_seen_at as lastSeenAt',
        't.id as technicianId',
        't.msp_id as mspId',
        't.email as email',
        't.display_name as displayName',
        't.role as role',
        't.disabled_at as disabledAt',
      );
    if (!row) return undefined;
    const { disabledAt, ...rest } = row as TechnicianSessionView & { disabledAt: Date | null };
    return {
      ...rest,
      createdAt: new Date(rest.createdAt),
      lastSeenAt: new Date(rest.lastSeenAt),
      disabled: !!disabledAt,
    };
  }

  /**
   * The second factor passed: the half-signed-in session becomes a full one under a new cookie value (so a value
   * planted before sign-in is worthless after it), and its absolute lifetime starts now. Only once per session.
   */
  async promote(sessionId: string, newTokenHash: string): Promise<boolean> {
    const updated = await this.db('technician_sessions')
      .where({ id: sessionId, stage: 'password' })
      .whereNull('ended_at')
      .update({
        token_hash: newTokenHash,
        stage: 'active',
        created_at: this.db.fn.now(),
        last_seen_at: this.db.fn.now(),
      });
    return updated === 1;
  }

  async touch(sessionId: string): Promise<void> {
    await this.db('technician_sessions').where({ id: sessionId }).update({ last_seen_at: this.db.fn.now() });
  }

  async end(sessionId: string): Promise<void> {
    await this.db('technician_sessions')
      .where({ id: sessionId })
      .whereNull('ended_at')
      .update({ ended_at: this.db.fn.now() });
  }

  /** Ended and long-expired sessions; the rows say nothing useful after a day. An hourly schedule calls it. */
  async purgeBefore(cutoff: Date): Promise<number> {
    return this.db('technician_sessions')
      .where((where) => where.where('last_seen_at', '<', cutoff).orWhere('ended_at', '<', cutoff))
      .delete();
  }
}
