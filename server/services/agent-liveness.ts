import { agentStatusOf } from '../../common/domain/agent-health';
import { AgentOfflineError } from '../../common/errors';
import type { AgentsStore } from '../db/agents.store';

/**
 * Throws AgentOfflineError when every one of the client's agents has missed two heartbeats (the rule the API and
 * the console show): nothing can reach its directory now, and saying so at once beats a directory step that
 * retries for 90 s and ends "unconfirmed".
 */
export async function requireLiveAgent(
  agents: Pick<AgentsStore, 'list'>,
  clientId: string,
  heartbeatIntervalMs: number,
): Promise<void> {
  const now = new Date();
  const live = (await agents.list(clientId)).some(
    (agent) =>
      agentStatusOf({ lastSeenAt: agent.last_seen_at, revokedAt: agent.revoked_at }, now, heartbeatIntervalMs) ===
      'online',
  );
  if (!live) throw new AgentOfflineError();
}
