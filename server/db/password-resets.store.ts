import type {
  EndedResetStatus,
  PendingReset,
  ResetChannel,
  ResetOutcome,
  ResetStatus,
} from '../../common/domain/reset';
import type { Database } from './connect';
import { pageBy, type Page, type PageRequest } from './paging';

export interface PasswordResetRow {
  id: string;
  user_id: string;
  client_id: string;
  channel: ResetChannel;
  requested_by: string;
  status: ResetStatus;
  failure_code: string | null;
  created_at: Date;
  ended_at: Date | null;
}

/**
 * The "reset request history" report, one row per reset and never the password; and, while a reset runs, the
 * record that Latchkey asked for it, which the central worker checks before it signs, delivers or records.
 */
export class PasswordResetsStore {
  constructor(private readonly db: Database) {}

  /** Written by the starter before the workflow starts. */
  async open(reset: PendingReset): Promise<void> {
    await this.db('password_resets').insert({
      id: reset.resetId,
      user_id: reset.userId,
      client_id: reset.clientId,
      channel: reset.channel,
      requested_by: reset.requestedBy,
      status: 'pending',
      created_at: reset.requestedAt,
    });
  }

  async find(resetId: string): Promise<(PendingReset & { status: ResetStatus }) | undefined> {
    const row: PasswordResetRow | undefined = await this.db('password_resets').where({ id: resetId }).first();
    return (
      row && {
        status: row.status,
        resetId: row.id,
        userId: row.user_id,
        clientId: row.client_id,
        channel: row.channel,
        requestedBy: row.requested_by,
        requestedAt: row.created_at,
      }
    );
  }

  /**
   * Ends a pending reset; one conditional UPDATE, so a retried or forged second ending changes nothing. Returns
   * whether this call ended it.
   */
  async finish(resetId: string, status: Exclude<EndedResetStatus, 'refused'>, failureCode: string | null) {
    const ended = await this.db('password_resets')
      .where({ id: resetId, status: 'pending' })
      .update({ status, failure_code: failureCode, ended_at: this.db.fn.now() });
    return ended > 0;
  }

  /** A request that joined a reset already running: the running one's row tells the story. */
  async discard(resetId: string): Promise<void> {
    await this.db('password_resets').where({ id: resetId, status: 'pending' }).delete();
  }

  /** A reset refused before any workflow: written once, ended at once. */
  async record(outcome: ResetOutcome): Promise<void> {
    await this.db('password_resets')
      .insert({
        id: outcome.resetId,
        user_id: outcome.userId,
        client_id: outcome.clientId,
        channel: outcome.channel,
        requested_by: outcome.requestedBy,
        status: outcome.status,
        failure_code: outcome.failureCode,
        ...(outcome.requestedAt ? { created_at: outcome.requestedAt } : {}),
        ended_at: this.db.fn.now(),
      })
      .onConflict('id')
      .ignore();
  }

  async listForClient(clientId: string, page: PageRequest): Promise<Page<PasswordResetRow>> {
    return pageBy<PasswordResetRow>(
      this.db('password_resets').select('*').where({ client_id: clientId }),
      'password_resets',
      page,
    );
  }
}
