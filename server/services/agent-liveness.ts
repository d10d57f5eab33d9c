import { AgentOfflineError } from '../../common/errors';
import type { AgentsStore } from '../db/agents.store';

/** How recent a heartbeat must be for an agent to count as live (three missed beats at 30 s): the API and the console show it "online". */
export const AGENT_LIVE_MS = 90_000;

/**
 * Throws AgentOfflineError when none of the client's agents has sent a heartbeat lately: nothing can reach its
 * directory now, and saying so at once beats a directory step that retries for 90 s and ends "unconfirmed".
 */
export async function requireLiveAgent(
  agents: Pick<AgentsStore, 'list'>,
  clientId: string,
  liveMs: number = AGENT_LIVE_MS,
): Promise<void> {
  const cutoff = Date.now() - liveMs;
  const live = (await agents.list(clientId)).some(
    (agent) => !agent.revoked_at && agent.last_seen_at && agent.last_seen_at.getTime() >= cutoff,
  );
  if (!live) throw new AgentOfflineError();
}
