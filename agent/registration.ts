import { z } from 'zod';
import type { CommandRefusalReport } from '../activities/directory.activities';

const agentSettingsSchema = z.object({
  agentId: z.string(),
  clientId: z.string(),
  /** The client's own namespace and the queue there; the endpoint and central namespace bind its payloads. */
  temporal: z.object({
    address: z.string(),
    namespace: z.string(),
    taskQueue: z.string(),
    endpoint: z.string(),
    centralNamespace: z.string(),
  }),
  /** The client's current key generation first, then the previous one while a rotation is recent. */
  clientKeys: z.object({
    current: z.number().int().positive(),
    generations: z
      .array(z.object({ generation: z.number().int().positive(), secret: z.string().base64() }))
      .min(1)
      .max(8),
  }),
  heartbeatIntervalSeconds: z.number().int().positive(),
});

export type AgentSettings = z.infer<typeof agentSettingsSchema>;

/** The server refused the token. Unlike an unreachable server, waiting will not change its answer. */
export class AgentTokenRejectedError extends Error {
  constructor() {
    super('Latchkey rejected the agent token: it is wrong or has been revoked');
    this.name = 'AgentTokenRejectedError';
  }
}

async function call(serverUrl: string, token: string, path: string, init: RequestInit = {}): Promise<Response> {
  return fetch(`${serverUrl}/agent/v1${path}`, {
    ...init,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...init.headers },
    signal: AbortSignal.timeout(10_000),
  });
}

/**
 * Fetches this agent's settings from Latchkey, retrying while the server is unreachable (an agent usually starts
 * with the machine, maybe before the network). A rejected token is final: retrying would not fix it.
 */
export async function fetchAgentSettings(
  serverUrl: string,
  token: string,
  say: (line: string) => void,
  maxWaitMs = 300_000,
): Promise<AgentSettings> {
  const deadline = Date.now() + maxWaitMs;
  let delay = 1_000;
  for (;;) {
    try {
      const response = await call(serverUrl, token, '/config');
      if (response.status === 401) throw new AgentTokenRejectedError();
      if (!response.ok) throw new Error(`Latchkey answered ${response.status}`);
      return agentSettingsSchema.parse(await response.json());
    } catch (error) {
      if (error instanceof AgentTokenRejectedError || Date.now() + delay > deadline) throw error;
      say(
        `Cannot fetch settings from ${new URL(serverUrl).origin} (${(error as Error).message}); retrying in ${delay / 1000} s`,
      );
      await new Promise((resolve) => setTimeout(resolve, delay));
      delay = Math.min(delay * 2, 30_000);
    }
  }
}

export async function sendHeartbeat(
  serverUrl: string,
  token: string,
  details: { version: string; hostname: string },
): Promise<void> {
  const response = await call(serverUrl, token, '/heartbeat', { method: 'POST', body: JSON.stringify(details) });
  if (!response.ok) throw new Error(`heartbeat refused: ${response.status}`);
}

/** Tells Latchkey about a command the agent refused, so that it lands in the audit log. */
export async function reportCommandRefusal(
  serverUrl: string,
  token: string,
  report: CommandRefusalReport,
): Promise<void> {
  const response = await call(serverUrl, token, '/refusals', { method: 'POST', body: JSON.stringify(report) });
  if (!response.ok) throw new Error(`refusal report refused: ${response.status}`);
}
