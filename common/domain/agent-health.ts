import type { AgentStatus } from './statuses';

/** What an agent is told to use when the server's config does not say otherwise. */
export const DEFAULT_HEARTBEAT_INTERVAL_MS = 30_000;

/** Heartbeats an agent may miss before it counts as offline: one lost request is not an outage. */
export const MISSED_HEARTBEATS_OFFLINE = 2;

/**
 * The one rule for agent health: an agent is offline once it has missed two heartbeats, that is when the second
 * beat it owes is half an interval late (a beat's request and the agent's timer both drift a little).
 * Everything that says "online" (the API, the console, the refusal of resets, the outage alerts) asks this.
 */
export function offlineAfterMs(heartbeatIntervalMs: number): number {
  return heartbeatIntervalMs * (MISSED_HEARTBEATS_OFFLINE + 0.5);
}

/** Heartbeats at or after this instant keep an agent online now; for queries that filter on last_seen_at. */
export function onlineCutoff(now: Date, heartbeatIntervalMs: number): Date {
  return new Date(now.getTime() - offlineAfterMs(heartbeatIntervalMs));
}

export interface AgentSighting {
  lastSeenAt: Date | null;
  revokedAt: Date | null;
}

export function agentStatusOf(agent: AgentSighting, now: Date, heartbeatIntervalMs: number): AgentStatus {
  if (agent.revokedAt) return 'revoked';
  if (!agent.lastSeenAt) return 'offline';
  return new Date(agent.lastSeenAt).getTime() >= onlineCutoff(now, heartbeatIntervalMs).getTime()
    ? 'online'
    : 'offline';
}
