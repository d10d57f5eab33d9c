import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { z } from 'zod';
import { parseDuration } from '../duration';

const durationText = z.string().refine((text) => {
  try {
    parseDuration(text);
    return true;
  } catch {
    return false;
  }
}, 'must be a duration such as "30d" or "12h"');

const settingsSchema = z
  .object({
    namespace: z.string().regex(/^[a-z0-9][a-z0-9._-]{1,62}$/, 'must be a Temporal namespace name'),
    retention: durationText,
    taskQueues: z.object({ central: z.string().min(1), agentPrefix: z.string().min(1) }).strict(),
    agents: z
      .object({
        namespaceInfix: z.string().regex(/^[a-z0-9._-]{1,20}$/, 'must be namespace characters'),
        endpointPrefix: z.string().regex(/^[a-zA-Z][a-zA-Z0-9-]{0,40}$/, 'must start a Nexus endpoint name'),
      })
      .strict(),
    cli: z.object({ module: z.string().min(1), version: z.string().regex(/^v\d+\.\d+\.\d+$/) }).strict(),
    server: z.object({ module: z.string().min(1), version: z.string().regex(/^v\d+\.\d+\.\d+$/) }).strict(),
    ui: z.object({ module: z.string().min(1), version: z.string().regex(/^v\d+\.\d+\.\d+$/) }).strict(),
    devServer: z
      .object({
        ip: z.string().min(1),
        grpcPort: z.number().int().positive(),
        uiPort: z.number().int().positive(),
        dbFile: z.string().min(1),
        logLevel: z.enum(['debug', 'info', 'warn', 'error']),
        dynamicConfig: z.record(z.union([z.string(), z.number(), z.boolean()])),
      })
      .strict(),
  })
  .strict();

export type TemporalSettings = z.infer<typeof settingsSchema> & { retentionMs: number };

export const TEMPORAL_YAML_PATH = join(__dirname, '..', '..', 'temporal.yaml');

export function loadTemporalSettings(path = TEMPORAL_YAML_PATH): TemporalSettings {
  const parsed = settingsSchema.safeParse(parse(readFileSync(path, 'utf8')));
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`);
    throw new Error(`${path} is not valid:\n  - ${problems.join('\n  - ')}`);
  }
  return { ...parsed.data, retentionMs: parseDuration(parsed.data.retention) };
}

export function agentTaskQueue(settings: Pick<TemporalSettings, 'taskQueues'>, clientId: string): string {
  return `${settings.taskQueues.agentPrefix}${clientId}`;
}

/** Temporal's limits (server v1.29.1): namespace names, and Nexus endpoint names (`limit.endpointNameMaxLength`). */
const NAMESPACE_NAME = /^[a-z0-9][a-z0-9._-]{1,254}$/;
const ENDPOINT_NAME = /^[a-zA-Z][a-zA-Z0-9-]*[a-zA-Z0-9]$/;
const ENDPOINT_NAME_MAX_LENGTH = 200;
const CLIENT_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Where one client's agents live: its own namespace, the queue there, and the Nexus endpoint that reaches it. */
export interface AgentTarget {
  namespace: string;
  taskQueue: string;
  endpoint: string;
}

/**
 * The per-client layout, named from temporal.yaml and the central namespace. Only a client id (a UUID) goes into
 * a name, so the names are valid for every client and no client can choose one that collides with another's.
 */
export function agentTargetOf(
  settings: Pick<TemporalSettings, 'taskQueues' | 'agents'>,
  centralNamespace: string,
  clientId: string,
): AgentTarget {
  if (!CLIENT_ID.test(clientId)) throw new Error(`not a client id: ${JSON.stringify(clientId)}`);
  const namespace = `${centralNamespace}${settings.agents.namespaceInfix}${clientId}`;
  const endpoint = `${settings.agents.endpointPrefix}${clientId}`;
  if (!NAMESPACE_NAME.test(namespace)) throw new Error(`not a valid namespace name: ${namespace}`);
  if (!ENDPOINT_NAME.test(endpoint) || endpoint.length > ENDPOINT_NAME_MAX_LENGTH)
    throw new Error(`not a valid Nexus endpoint name: ${endpoint}`);
  return { namespace, taskQueue: agentTaskQueue(settings, clientId), endpoint };
}

/**
 * How the central codec tells which client's agent a Nexus result came from: by the endpoint it came through,
 * which must be the endpoint of the client the workflow's own id names (docs/temporal-codec.md).
 */
export function nexusCallerOf(settings: Pick<TemporalSettings, 'taskQueues' | 'agents'>, centralNamespace: string) {
  const prefix = settings.agents.endpointPrefix;
  return {
    endpointOf: (clientId: string) => agentTargetOf(settings, centralNamespace, clientId).endpoint,
    clientOfEndpoint: (endpoint: string) => (endpoint.startsWith(prefix) ? endpoint.slice(prefix.length) : undefined),
  };
}
