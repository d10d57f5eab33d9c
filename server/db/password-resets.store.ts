import type { Database } from './connect';
import { pageBy, type Page, type PageRequest } from './paging';

export type ResetChannel = 'sms' | 'technician';
export type ResetStatus = 'running' | 'completed' | 'failed' | 'refused';

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

  async open(row: Pick<PasswordResetRow, 'id' | 'user_id' | 'client_id' | 'channel' | 'requested_by'>): Promise<void> {
    await this.db('password_resets').insert({ ...row, status: 'running' }).onConflict('id').ignore();
  }

  async close(id: string, status: Exclude<ResetStatus, 'running'>, failureCode: string | null = null): Promise<void> {
    await this.db('password_resets').where({ id }).update({ status, failure_code: failureCode, ended_at: this.db.fn.now() });
  }

  async listForClient(clientId: string, page: PageRequest): Promise<Page<PasswordResetRow>> {
    return pageBy<PasswordResetRow>(this.db('password_resets').select('*').where({ client_id: clientId }), 'password_resets', page);
  }
}
