import { agentStatusOf } from '../common/domain/agent-health';
import type { MspAlerter } from './msp-alerts';
import type { AgentHealthPort, AgentHealthRecord, AgentHealthState } from './ports';

export interface AgentHealthActivityDeps {
  agentHealth: AgentHealthPort;
  alerts: MspAlerter;
  /** The interval agents are told to beat at; two missed make one offline (common/domain/agent-health.ts). */
  heartbeatIntervalMs: number;
}

export interface AgentHealthCheck {
  checked: number;
  /** Agents whose state changed in this check. */
  changed: number;
  /** Alerts sent in this check: for changes now, and any a failed earlier check still owed. */
  alerted: number;
  /** When the watch should check again: one heartbeat interval, from this worker's config. */
  nextCheckInMs: number;
}

const when = (date: Date | null) => (date ? new Date(date).toISOString().replace(/\.\d+Z$/, 'Z') : 'never');

/**
 * The agent health watch's check. Each agent's state is compared with the one recorded, and only a change is
 * alerted: an outage is one "offline" email however many checks it lasts, and its end one "recovered" email.
 * The change is recorded before the email with the alert owed, then marked sent, so a check that fails between
 * the two (SMTP down, a worker restart) leaves the alert owed and the next check sends it, once.
 */
export function createAgentHealthActivities(deps: AgentHealthActivityDeps) {
  function describe(agent: AgentHealthRecord): string {
    return `"${agent.name}"${agent.hostname ? ` on ${agent.hostname}` : ''}`;
  }

  async function alert(agent: AgentHealthRecord, state: AgentHealthState, anotherLive: boolean): Promise<void> {
    const summary =
      state === 'offline'
        ? `The Latchkey agent ${describe(agent)} has missed two heartbeats (last seen ${when(agent.lastSeenAt)}). ` +
          (anotherLive
            ? "The client's other agent still serves resets and unlocks."
            : 'Resets and unlocks for this client are refused until an agent is back: check its service and network.')
        : `The Latchkey agent ${describe(agent)} is sending heartbeats again` +
          (agent.state === 'offline' && agent.changedAt ? ` (offline since ${when(agent.changedAt)}).` : '.');
    await deps.alerts.alert({
      clientId: agent.clientId,
      kind: state === 'offline' ? 'agent.offline' : 'agent.recovered',
      summary,
    });
    await deps.agentHealth.markAlerted(agent.agentId, state);
  }

  return {
    async checkAgentHealth(): Promise<AgentHealthCheck> {
      const now = new Date();
      const agents = await deps.agentHealth.watched();
      const statusOf = (agent: AgentHealthRecord): AgentHealthState =>
        agentStatusOf({ lastSeenAt: agent.lastSeenAt, revokedAt: null }, now, deps.heartbeatIntervalMs) === 'online'
          ? 'online'
          : 'offline';
      const liveByClient = new Map<string, number>();
      for (const agent of agents) {
        if (statusOf(agent) === 'online') liveByClient.set(agent.clientId, (liveByClient.get(agent.clientId) ?? 0) + 1);
      }
      const result: AgentHealthCheck = {
        checked: agents.length,
        changed: 0,
        alerted: 0,
        nextCheckInMs: deps.heartbeatIntervalMs,
      };
      for (const agent of agents) {
        const status = statusOf(agent);
        if (agent.state === status) {
          if (agent.alertedAt === null) {
            await alert(agent, status, (liveByClient.get(agent.clientId) ?? 0) > 0);
            result.alerted++;
          }
          continue;
        }
        // An agent that never sent a heartbeat is not watched yet: a credential issued for a server still being
        // set up is no outage, and its first beat no recovery.
        if (agent.state === null && agent.lastSeenAt === null) continue;
        // Seen for the first time: online is not news; offline (it beat, then stopped before a check) is.
        const owed = agent.state !== null || status === 'offline';
        if (!(await deps.agentHealth.transition(agent, agent.state, status, !owed))) continue;
        result.changed++;
        if (owed) {
          await alert(agent, status, (liveByClient.get(agent.clientId) ?? 0) > 0);
          result.alerted++;
        }
      }
      return result;
    },
  };
}

export type AgentHealthActivities = ReturnType<typeof createAgentHealthActivities>;
