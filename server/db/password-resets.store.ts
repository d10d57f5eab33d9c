import type { Database } from './connect';
import { pageBy, type Page, type PageRequest } from './paging';

export type ResetChannel = 'sms' | 'technician';
export type ResetStatus = 'completed' | 'failed' | 'refused';

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
  async record(
    row: Pick<
      PasswordResetRow,
      'id' | 'user_id' | 'client_id' | 'channel' | 'requested_by' | 'failure_code' | 'status'
    > & { requestedAt?: Date },
  ): Promise<void> {
    const { requestedAt, ...columns } = row;
    await this.db('password_resets')
      .insert({ ...columns, ...(requestedAt ? { created_at: requestedAt } : {}), ended_at: this.db.fn.now() })
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
