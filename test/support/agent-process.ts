import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { apiClient } from './http';
import { agentConfigFor, type AgentFaults, type Tenant } from './reset-setup';
import type { SambaDc } from './samba';
import type { ReachableStack } from './stack';

/** Polls `probe` until it returns a value; an error marked `final` stops at once. */
export async function until<T>(
  what: string,
  timeoutMs: number,
  probe: () => Promise<T | undefined>,
  intervalMs = 100,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      if ((error as { final?: boolean }).final) throw error;
      lastError = error;
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
  throw new Error(
    `timed out after ${timeoutMs} ms waiting for ${what}${lastError ? ` (last error: ${(lastError as Error).message})` : ''}`,
  );
}

/**
 * Waits until the API lists this agent as heard from, and returns its listing; an agent process that exits first
 * fails at once, and the failure carries what it printed.
 */
export async function untilFirstHeartbeat(
  api: ReturnType<typeof apiClient>,
  clientId: string,
  agentId: string,
  child: ChildProcess,
  output: () => string,
  timeoutMs: number,
): Promise<Record<string, unknown>> {
  return until(
    `agent ${agentId} to send its first heartbeat`,
    timeoutMs,
    async () => {
      if (child.exitCode !== null)
        throw Object.assign(new Error(`agent exited with ${child.exitCode}:\n${output()}`), { final: true });
      const listed = await api('GET', `/clients/${clientId}/agents`);
      return (listed.body.items as Array<{ id: string; lastSeenAt: string | null }>).find(
        (a) => a.id === agentId && a.lastSeenAt,
      );
    },
    200,
  ).catch((error: Error) => {
    throw new Error(`${error.message}\nagent output:\n${output()}`);
  });
}

/** An agent as its own OS process, as it runs on a client's server, so that it can be killed for real. */
export interface AgentProcess {
  agentId: string;
  child: ChildProcess;
  output(): string;
  exited: Promise<void>;
}

const agentProcesses = new Set<ChildProcess>();

// A crashed test runner must not leave agents polling the shared dev server's queues.
process.once('exit', () => {
  for (const child of agentProcesses) child.kill('SIGKILL');
});

export async function killAgentProcess(agent: AgentProcess): Promise<void> {
  if (agent.child.exitCode === null && agent.child.signalCode === null) agent.child.kill('SIGKILL');
  await agent.exited;
}

export async function spawnAgentProcess(
  stack: Pick<ReachableStack, 'url' | 'temporalAddress'>,
  tenant: Tenant,
  dc: SambaDc,
  faults: AgentFaults = {},
  form: {
    /** Extra arguments for node itself, e.g. `--cpu-prof` for a bench that profiles the agent. */
    nodeArgs?: string[];
    /** The agent compiled by tsc (dist/agent-package/agent/main.js), run by plain node as production runs it. */
    compiledMain?: string;
    /** Agent settings beyond the test's own, e.g. LATCHKEY_AGENT_LOCKOUT_POLL_MS for a bench that compares them. */
    env?: Record<string, string>;
  } = {},
): Promise<AgentProcess> {
  const api = apiClient(stack.url, tenant.apiKey);
  const issued = await api('POST', `/clients/${tenant.clientId}/agents`, {
    name: `agent process ${agentProcesses.size + 1}`,
  });
  assert.equal(issued.status, 201, JSON.stringify(issued.body));
  const config = agentConfigFor(stack, dc, issued.body);
  const env: Record<string, string> = {
    // Only what the agent is meant to see: nothing of this process's own LATCHKEY_* or AD_* settings.
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: process.env.HOME ?? '/root',
    LATCHKEY_SERVER_URL: config.serverUrl,
    LATCHKEY_AGENT_TOKEN: config.token,
    LATCHKEY_AGENT_COMMAND_KEY: issued.body.commandPublicKey,
    LATCHKEY_AGENT_TEMPORAL_ADDRESS: config.temporalAddress,
    LATCHKEY_AGENT_NAME: config.name,
    LATCHKEY_LOG_LEVEL: 'warn',
    AD_URL: config.directory.url,
    AD_BIND_DN: config.directory.bindDn,
    AD_BIND_PASSWORD: config.directory.bindPassword,
    AD_BASE_DN: config.directory.baseDn,
    AD_CA_PEM: config.directory.caPem!,
    AD_TLS_SERVER_NAME: config.directory.tlsServerName!,
    ...form.env,
  };
  // The shipped entry point unless a fault is wanted: only the test-only one reads the fault variable.
  let entry = ['--import', 'tsx', 'agent/main.ts'];
  if (faults.pauseAfterWriteMs) {
    entry = ['--import', 'tsx', 'test/support/agent-main.ts'];
    env.LATCHKEY_TEST_AGENT_PAUSE_AFTER_WRITE_MS = String(faults.pauseAfterWriteMs);
  } else if (form.compiledMain) {
    entry = [form.compiledMain];
  }
  const child = spawn(process.execPath, [...(form.nodeArgs ?? []), ...entry], {
    cwd: join(__dirname, '..', '..'),
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  agentProcesses.add(child);
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => void (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => void (output += chunk.toString()));
  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => {
      agentProcesses.delete(child);
      resolve();
    });
  });
  const agent: AgentProcess = { agentId: issued.body.id, child, output: () => output, exited };
  try {
    // The first heartbeat comes after the worker is built, just before it starts polling.
    await untilFirstHeartbeat(api, tenant.clientId, agent.agentId, child, () => output, 30_000);
  } catch (error) {
    await killAgentProcess(agent);
    throw error;
  }
  return agent;
}

/** For suites that spawned several: kills every agent process still running. */
export function killAllAgentProcesses(): void {
  for (const child of [...agentProcesses]) child.kill('SIGKILL');
}
