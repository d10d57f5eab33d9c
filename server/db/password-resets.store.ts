import type { ResetChannel, ResetOutcome, ResetStatus } from '../../common/domain/reset';
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

/** The "reset request history" report: one row per reset, never the password. */
export class PasswordResetsStore {
  constructor(private readonly db: Database) {}

  /**
   * One row per reset, written once its outcome is known; a retried write of the same reset changes nothing.
   * Resets in flight are visible in the Temporal UI, not here.
   */
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
