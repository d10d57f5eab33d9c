import type { AgentHealthRecord, AgentHealthState } from '../../activities/ports';
import type { Database } from './connect';

/** The agent_health table (migration 013): the health watch's memory of what it told the MSP. */
export class AgentHealthStore {
  constructor(private readonly db: Database) {}

  async watched(): Promise<AgentHealthRecord[]> {
    const rows: Array<{
      id: string;
      client_id: string;
      name: string;
      hostname: string | null;
      last_seen_at: Date | null;
      state: AgentHealthState | null;
      changed_at: Date | null;
      alerted_at: Date | null;
    }> = await this.db('agents as a')
      .leftJoin('agent_health as h', 'h.agent_id', 'a.id')
      .whereNull('a.revoked_at')
      .orderBy('a.created_at')
      .select(
        'a.id',
        'a.client_id',
        'a.name',
        'a.hostname',
        'a.last_seen_at',
        'h.state',
        'h.changed_at',
        'h.alerted_at',
      );
    return rows.map((row) => ({
      agentId: row.id,
      clientId: row.client_id,
      name: row.name,
      hostname: row.hostname,
      lastSeenAt: row.last_seen_at,
      state: row.state,
      changedAt: row.changed_at,
      alertedAt: row.alerted_at,
    }));
  }

  async transition(
    agent: { agentId: string; clientId: string },
    from: AgentHealthState | null,
    to: AgentHealthState,
    alerted: boolean,
  ): Promise<boolean> {
    const alertedAt = alerted ? this.db.fn.now() : null;
    if (from === null) {
      const inserted = await this.db('agent_health')
        .insert({ agent_id: agent.agentId, client_id: agent.clientId, state: to, alerted_at: alertedAt })
        .onConflict('agent_id')
        .ignore()
        .returning('agent_id');
      return inserted.length > 0;
    }
    const updated = await this.db('agent_health')
      .where({ agent_id: agent.agentId, state: from })
      .update({ state: to, changed_at: this.db.fn.now(), alerted_at: alertedAt });
    return updated > 0;
  }

  async markAlerted(agentId: string, state: AgentHealthState): Promise<void> {
    await this.db('agent_health')
      .where({ agent_id: agentId, state })
      .whereNull('alerted_at')
      .update({ alerted_at: this.db.fn.now() });
  }
}
