import { hostname } from 'node:os';
import { z } from 'zod';
import { logLevel, Problems, readVariables, type Env } from '../common/env';
import { ConfigError } from '../common/errors';
import {
  readTemporalTransport,
  temporalTransportVariables,
  transportProblem,
  type TemporalTransport,
} from '../common/temporal/connection';
import { readProviderConfig, variablesOf } from '../plugins/provider-config';
import { directoryKind, type DirectoryConfig } from '../plugins/registry';

/**
 * Everything an agent needs locally: how to reach Latchkey (outbound only), its credential, and how to reach
 * the client's directory, whose variables its provider's folder owns. Temporal's address, the task queue and
 * the codec key come from Latchkey at start-up; how to secure the Temporal connection (TLS, the agent's own
 * client certificate, an API key) is local, since those credentials are the agent's and never travel.
 */
const agentVariables = {
  LATCHKEY_SERVER_URL: z.string().url(),
  LATCHKEY_AGENT_TOKEN: z.string().regex(/^lka_/, 'must be an agent token (lka_…) issued by the MSP API'),
  LATCHKEY_AGENT_TEMPORAL_ADDRESS: z.string().optional(),
  LATCHKEY_AGENT_NAME: z.string().default(hostname()),
  LATCHKEY_LOG_LEVEL: logLevel('info'),
};

function toAgentSettings(e: z.output<z.ZodObject<typeof agentVariables>>) {
  return {
    serverUrl: e.LATCHKEY_SERVER_URL.replace(/\/+$/, ''),
    token: e.LATCHKEY_AGENT_TOKEN,
    temporalAddressOverride: e.LATCHKEY_AGENT_TEMPORAL_ADDRESS as string | undefined,
    name: e.LATCHKEY_AGENT_NAME,
    logLevel: e.LATCHKEY_LOG_LEVEL,
  };
}

export type AgentConfig = ReturnType<typeof toAgentSettings> & {
  directory: DirectoryConfig;
  temporalTransport: TemporalTransport;
};

/** Every variable the agent reads; a test keeps agent/README.md documenting them all. */
export const agentEnvironmentVariables: readonly string[] = [
  ...Object.keys(agentVariables),
  ...Object.keys(temporalTransportVariables),
  ...variablesOf(directoryKind),
];

/** Reads and checks everything, and throws one ConfigError that lists every problem found. */
export function loadAgentConfig(env: Env = process.env): AgentConfig {
  const problems = new Problems();
  const vars = readVariables(agentVariables, env, problems);
  const directory = readProviderConfig(directoryKind, env, problems);
  const temporalTransport = readTemporalTransport(env, problems);
  // An address set here is checked now; one that Latchkey hands out is checked when the agent connects.
  const override = vars?.LATCHKEY_AGENT_TEMPORAL_ADDRESS;
  const insecure = override && temporalTransport && transportProblem(override, temporalTransport);
  if (insecure) problems.add(`LATCHKEY_AGENT_TEMPORAL_ADDRESS: ${insecure}`);
  if (!vars || !directory || !temporalTransport || problems.any) throw new ConfigError(problems.list);
  return { ...toAgentSettings(vars), directory, temporalTransport };
}
