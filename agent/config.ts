import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { z } from 'zod';
import { ConfigError } from '../common/errors';
import type { ActiveDirectoryConfigInput } from '../plugins/directory/active-directory';

/**
 * Everything an agent needs locally: how to reach Latchkey (outbound only), its credential, and how to reach
 * the client's directory. Temporal's address, the task queue and the codec key come from Latchkey at start-up.
 */
const agentEnvSchema = z.object({
  LATCHKEY_SERVER_URL: z.string().url(),
  LATCHKEY_AGENT_TOKEN: z.string().regex(/^lka_/, 'must be an agent token (lka_…) issued by the MSP API'),
  LATCHKEY_AGENT_TEMPORAL_ADDRESS: z.string().optional(),
  LATCHKEY_AGENT_NAME: z.string().default(hostname()),
  LATCHKEY_LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error', 'silent']).default('info'),
  AD_URL: z.string(),
  AD_START_TLS: z.enum(['true', 'false']).default('false'),
  AD_BIND_DN: z.string().min(1),
  AD_BIND_PASSWORD: z.string().min(1),
  AD_BASE_DN: z.string().min(1),
  AD_CA_FILE: z.string().optional(),
  AD_CA_PEM: z.string().optional(),
  AD_TLS_SERVER_NAME: z.string().optional(),
  AD_CERT_SHA256: z.string().optional(),
  AD_ALLOW_PROTECTED_ACCOUNTS: z.enum(['true', 'false']).default('false'),
});

export interface AgentConfig {
  serverUrl: string;
  token: string;
  temporalAddressOverride?: string;
  name: string;
  logLevel: 'debug' | 'info' | 'warn' | 'error' | 'silent';
  directory: ActiveDirectoryConfigInput;
}

export function loadAgentConfig(env: Record<string, string | undefined> = process.env): AgentConfig {
  const parsed = agentEnvSchema.safeParse(env);
  if (!parsed.success)
    throw new ConfigError(parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`));
  const e = parsed.data;
  const caPem = e.AD_CA_PEM ?? (e.AD_CA_FILE ? readFileSync(e.AD_CA_FILE, 'utf8') : undefined);
  if (!caPem)
    throw new ConfigError(['AD_CA_FILE (or AD_CA_PEM) is required: the directory certificate is always verified']);
  return {
    serverUrl: e.LATCHKEY_SERVER_URL.replace(/\/+$/, ''),
    token: e.LATCHKEY_AGENT_TOKEN,
    temporalAddressOverride: e.LATCHKEY_AGENT_TEMPORAL_ADDRESS,
    name: e.LATCHKEY_AGENT_NAME,
    logLevel: e.LATCHKEY_LOG_LEVEL,
    directory: {
      url: e.AD_URL,
      startTls: e.AD_START_TLS === 'true',
      bindDn: e.AD_BIND_DN,
      bindPassword: e.AD_BIND_PASSWORD,
      baseDn: e.AD_BASE_DN,
      caPem,
      tlsServerName: e.AD_TLS_SERVER_NAME,
      pinnedCertificateSha256: e.AD_CERT_SHA256,
      allowProtectedAccounts: e.AD_ALLOW_PROTECTED_ACCOUNTS === 'true',
    },
  };
}
