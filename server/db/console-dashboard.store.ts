import { ENROLLED_STATUSES } from '../../common/domain/statuses';
import type { Database } from './connect';

/** One client's line on the console dashboard. */
export interface ClientSummary {
  clientId: string;
  name: string;
  usersTotal: number;
  usersEnrolled: number;
  resetsThisWeek: number;
  lockedOutNow: number;
  agentsTotal: number;
  agentsOffline: number;
}

/** The API's rule (server/routes/api/presenters.ts): an agent is online when it checked in within 90 s. */
const AGENT_ONLINE_WITHIN_SECONDS = 90;

/** The dashboard's counts, one query per MSP; every count is scoped through the client's msp_id. */
export class ConsoleDashboardStore {
  constructor(private readonly db: Database) {}

  async clientSummaries(mspId: string, now = new Date()): Promise<ClientSummary[]> {
    const weekAgo = new Date(now.getTime() - 7 * 24 * 3_600_000);
    const onlineSince = new Date(now.getTime() - AGENT_ONLINE_WITHIN_SECONDS * 1000);
    const { rows } = await this.db.raw<{ rows: Array<Record<string, string>> }>(
      `SELECT c.id AS client_id, c.name,
         (SELECT count(*) FROM users u WHERE u.client_id = c.id) AS users_total,
         (SELECT count(*) FROM users u WHERE u.client_id = c.id AND u.status = ANY(?)) AS users_enrolled,
         (SELECT count(*) FROM password_resets r WHERE r.client_id = c.id AND r.created_at >= ?) AS resets_week,
         (SELECT count(*) FROM lockouts l WHERE l.client_id = c.id AND l.status = 'open') AS locked_now,
         (SELECT count(*) FROM agents a WHERE a.client_id = c.id AND a.revoked_at IS NULL) AS agents_total,
         (SELECT count(*) FROM agents a WHERE a.client_id = c.id AND a.revoked_at IS NULL
            AND (a.last_seen_at IS NULL OR a.last_seen_at < ?)) AS agents_offline
       FROM clients c WHERE c.msp_id = ? ORDER BY c.name, c.id`,
      [[...ENROLLED_STATUSES], weekAgo, onlineSince, mspId],
    );
    return rows.map((row) => ({
      clientId: row.client_id!,
      name: row.name!,
      usersTotal: Number(row.users_total),
      usersEnrolled: Number(row.users_enrolled),
      resetsThisWeek: Number(row.resets_week),
      lockedOutNow: Number(row.locked_now),
      agentsTotal: Number(row.agents_total),
      agentsOffline: Number(row.agents_offline),
    }));
  }
}
