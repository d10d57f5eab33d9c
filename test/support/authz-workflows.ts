// Workflows for test/e2e/temporal-authz.test.ts: the smallest stand-ins for a reset that hands one step to a
// client's agent, and for a running workflow that an agent must not be able to touch.
import * as nexus from 'nexus-rpc';
import {
  condition,
  createNexusServiceClient,
  defineQuery,
  defineSignal,
  defineUpdate,
  proxyActivities,
  setHandler,
} from '@temporalio/workflow';

/** What the agent serves, as an activity on its task queue or as a Nexus operation in its own namespace. */
export interface AgentActivities {
  whoAmI(): Promise<string>;
}

export const agentService = nexus.service('latchkey-agent', {
  whoAmI: nexus.operation<void, string>(),
});

/** A central workflow that runs one activity on an agent's task queue in the same namespace. */
export async function askAgentByActivity(taskQueue: string): Promise<string> {
  const { whoAmI } = proxyActivities<AgentActivities>({
    taskQueue,
    startToCloseTimeout: '20 seconds',
    retry: { maximumAttempts: 1 },
  });
  return await whoAmI();
}

/** A central workflow that reaches an agent in the client's own namespace, through that client's Nexus endpoint. */
export async function askAgentByNexus(endpoint: string): Promise<string> {
  const agent = createNexusServiceClient({ endpoint, service: agentService });
  return await agent.executeOperation('whoAmI', undefined, { scheduleToCloseTimeout: '30 seconds' });
}

export const poke = defineSignal('poke');
export const bump = defineUpdate<number, [number]>('bump');
export const pokes = defineQuery<number>('pokes');

/** Counts signals and updates; the count shows whether anything got through. */
export async function countPokes(): Promise<number> {
  let count = 0;
  setHandler(poke, () => void count++);
  setHandler(bump, (by: number) => (count += by));
  setHandler(pokes, () => count);
  await condition(() => count >= 1_000);
  return count;
}
