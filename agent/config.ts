import type { KeyObject } from 'node:crypto';
import { hostname } from 'node:os';
import { z } from 'zod';
import { logLevel, Problems, readVariables, type Env } from '../common/env';
import { parseCommandPublicKey } from '../common/crypto/directory-command';
import { ConfigError } from '../common/errors';
import { isLoopbackHost } from '../common/loopback-host';
import {
  readTemporalTransport,
  temporalTransportVariables,
  transportProblem,
  type TemporalTransport,
} from '../common/temporal/connection';
import { DEFAULT_LOCKOUT_POLL_MS } from '../common/domain/lockout';
import { readProviderConfig, variablesOf } from '../plugins/provider-config';
import { directoryKind, type DirectoryConfig } from '../plugins/directory-registry';

/**
 * Everything an agent needs locally: how to reach Latchkey (outbound only), its credential, the key it pins
 * for Latchkey's commands, where Temporal is, and how to reach the client's directory, whose variables its
 * provider's folder owns. The task queue and the client's keys come from Latchkey at start-up. What decides
 * whom the agent obeys (the command key, the Temporal address and how that connection is secured) is local,
 * so that whoever answers at the server URL cannot redirect it.
 */
const agentVariables = {
  LATCHKEY_SERVER_URL: z
    .string()
    .url()
    .refine((url) => {
      // Runs even after .url() has failed; that failure is already reported.
      if (!URL.canParse(url)) return true;
      const { protocol, hostname: host } = new URL(url);
      return protocol === 'https:' || (protocol === 'http:' && isLoopbackHost(host));
    }, 'must be an https:// URL (plain http is allowed only to this machine)'),
  LATCHKEY_AGENT_TOKEN: z.string().regex(/^lka_/, 'must be an agent token (lka_…) issued by the MSP API'),
  LATCHKEY_AGENT_COMMAND_KEY: z.string().transform((text, context): KeyObject => {
    try {
      return parseCommandPublicKey(text.trim());
    } catch (error) {
      context.addIssue({ code: 'custom', message: (error as Error).message });
      return z.NEVER;
    }
  }),
  LATCHKEY_AGENT_TEMPORAL_ADDRESS: z.string().min(1),
  LATCHKEY_AGENT_NAME: z.string().default(hostname()),
  // How often the lockout watch reads the DC's highestCommittedUSN while nothing changes: the floor of the
  // detection latency, and nearly all of an idle agent's CPU.
  LATCHKEY_AGENT_LOCKOUT_POLL_MS: z.coerce.number().int().min(50).max(5_000).default(DEFAULT_LOCKOUT_POLL_MS),
  LATCHKEY_LOG_LEVEL: logLevel('info'),
};

function toAgentSettings(e: z.output<z.ZodObject<typeof agentVariables>>) {
  return {
    serverUrl: e.LATCHKEY_SERVER_URL.replace(/\/+$/, ''),
    token: e.LATCHKEY_AGENT_TOKEN,
    commandKey: e.LATCHKEY_AGENT_COMMAND_KEY,
    temporalAddress: e.LATCHKEY_AGENT_TEMPORAL_ADDRESS,
    name: e.LATCHKEY_AGENT_NAME,
    lockoutPollMs: e.LATCHKEY_AGENT_LOCKOUT_POLL_MS,
    logLevel: e.LATCHKEY_LOG_LEVEL,
  };
}

export type AgentConfig = ReturnType<typeof toAgentSettings> & {
  directory: DirectoryConfig;
  temporalTransport: TemporalTransport;
};

/** Every variable the agent reads; a test keeps agent/package/README.md documenting them all. */
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
  const address = vars?.LATCHKEY_AGENT_TEMPORAL_ADDRESS;
  const insecure = address && temporalTransport && transportProblem(address, temporalTransport);
  if (insecure) problems.add(`LATCHKEY_AGENT_TEMPORAL_ADDRESS: ${insecure}`);
  if (!vars || !directory || !temporalTransport || problems.any) throw new ConfigError(problems.list);
  return { ...toAgentSettings(vars), directory, temporalTransport };
}
