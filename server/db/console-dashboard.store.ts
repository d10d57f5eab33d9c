import { agentStatusOf, onlineCutoff } from '../../common/domain/agent-health';
import { ENROLLED_STATUSES, type AgentStatus } from '../../common/domain/statuses';
import type { Database } from './connect';

/** One client's line on the console dashboard. */
export interface ClientSummary {
  clientId: string;
  name: string;
  usersTotal: number;
  usersEnrolled: number;
  resetsThisWeek: number;
  /** Lockouts that ended in an unlock in the last 7 days: every unlock, by any channel, ends its lockout row. */
  unlocksThisWeek: number;
  lockedOutNow: number;
  agentsTotal: number;
  agentsOffline: number;
}

/** One agent's line on the dashboard: its health by the API's rule, and what it last reported. */
export interface AgentSummary {
  agentId: string;
  clientName: string;
  name: string;
  status: AgentStatus;
  lastSeenAt: Date | null;
  version: string | null;
  hostname: string | null;
}

/** The dashboard's counts, one query per MSP; every count is scoped through the client's msp_id. */
export class ConsoleDashboardStore {
  constructor(
    private readonly db: Database,
    /** The interval agents are told to beat at: health is read against it (common/domain/agent-health.ts). */
    private readonly heartbeatIntervalMs: number,
  ) {}

  async clientSummaries(mspId: string, now = new Date()): Promise<ClientSummary[]> {
    const weekAgo = new Date(now.getTime() - 7 * 24 * 3_600_000);
    const onlineSince = onlineCutoff(now, this.heartbeatIntervalMs);
    const { rows } = await this.db.raw<{ rows: Array<Record<string, string>> }>(
      `SELECT c.id AS client_id, c.name,
         (SELECT count(*) FROM users u WHERE u.client_id = c.id) AS users_total,
         (SELECT count(*) FROM users u WHERE u.client_id = c.id AND u.status = ANY(?)) AS users_enrolled,
         (SELECT count(*) FROM password_resets r WHERE r.client_id = c.id AND r.created_at >= ?) AS resets_week,
         (SELECT count(*) FROM lockouts l WHERE l.client_id = c.id AND l.status = 'unlocked'
            AND l.ended_at >= ?) AS unlocks_week,
         (SELECT count(*) FROM lockouts l WHERE l.client_id = c.id AND l.status = 'open') AS locked_now,
         (SELECT count(*) FROM agents a WHERE a.client_id = c.id AND a.revoked_at IS NULL) AS agents_total,
         (SELECT count(*) FROM agents a WHERE a.client_id = c.id AND a.revoked_at IS NULL
            AND (a.last_seen_at IS NULL OR a.last_seen_at < ?)) AS agents_offline
       FROM clients c WHERE c.msp_id = ? ORDER BY c.name, c.id`,
      [[...ENROLLED_STATUSES], weekAgo, weekAgo, onlineSince, mspId],
    );
    return rows.map((row) => ({
      clientId: row.client_id!,
      name: row.name!,
      usersTotal: Number(row.users_total),
      usersEnrolled: Number(row.users_enrolled),
      resetsThisWeek: Number(row.resets_week),
      unlocksThisWeek: Number(row.unlocks_week),
      lockedOutNow: Number(row.locked_now),
      agentsTotal: Number(row.agents_total),
      agentsOffline: Number(row.agents_offline),
    }));
  }

  /** The MSP's agents that are not revoked, offline first, so the one that needs a look is at the top. */
  async agents(mspId: string, now = new Date()): Promise<AgentSummary[]> {
    const rows: Array<{
      id: string;
      client_name: string;
      name: string;
      last_seen_at: Date | null;
      version: string | null;
      hostname: string | null;
    }> = await this.db('agents as a')
      .join('clients as c', 'c.id', 'a.client_id')
      .where('c.msp_id', mspId)
      .whereNull('a.revoked_at')
      .orderBy([{ column: 'c.name' }, { column: 'a.name' }, { column: 'a.id' }])
      .select('a.id', 'c.name as client_name', 'a.name', 'a.last_seen_at', 'a.version', 'a.hostname');
    const summaries = rows.map((row) => ({
      agentId: row.id,
      clientName: row.client_name,
      name: row.name,
      status: agentStatusOf({ lastSeenAt: row.last_seen_at, revokedAt: null }, now, this.heartbeatIntervalMs),
      lastSeenAt: row.last_seen_at,
      version: row.version,
      hostname: row.hostname,
    }));
    return [...summaries.filter((a) => a.status !== 'online'), ...summaries.filter((a) => a.status === 'online')];
  }
}
