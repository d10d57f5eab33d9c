import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { startAgent, type RunningAgent } from '../../agent/agent';
import type { AgentConfig } from '../../agent/config';
import { DEFAULT_LOCKOUT_POLL_MS } from '../../common/domain/lockout';
import { parseCommandPublicKey } from '../../common/crypto/directory-command';
import { createLogger, type Logger } from '../../common/logger';
import { parseActiveDirectoryConfig } from '../../plugins/directory/active-directory';
import { directoryConfigOf, type SambaDc } from './samba';
import { linkIn, passwordIn, reachCodeStep } from './enrollment-flow';
import { apiClient } from './http';
import { createTenant, type ReachableStack, type TestStack } from './stack';

export type Tenant = Awaited<ReturnType<typeof createTenant>>;

let phoneCounter = 2600;

/** A user that exists in Samba and has enrolled for SMS resets through the real pages. */
export async function enrolledDirectoryUser(
  stack: ReachableStack,
  tenant: Tenant,
  dc: SambaDc,
  options: {
    adminCount?: boolean;
    locked?: boolean;
    /** Where the activation email is read, when email does not go to the outbox. */
    mailbox?: (email: string) => Promise<Parameters<typeof linkIn>[0]>;
  } = {},
) {
  const username = `u${randomUUID().replace(/-/g, '').slice(0, 10)}`;
  const initialPassword = `Initial#${randomUUID().slice(0, 8)}A1`;
  const created = await dc.createUser(username, initialPassword, {
    adminCount: options.adminCount,
    mail: `${username}@example.com`,
  });
  const api = apiClient(stack.url, tenant.apiKey);
  const email = `${username}@example.com`;
  const user = await api('POST', `/clients/${tenant.clientId}/users`, { username, email });
  assert.equal(user.status, 201);
  await api('POST', `/clients/${tenant.clientId}/users/${user.body.id}/activate`);
  const mail = await (options.mailbox?.(email) ?? stack.outbox.waitFor((m) => m.to === email));
  const link = linkIn(mail);
  const phone = `+1415555${String(phoneCounter++).padStart(4, '0')}`;
  const { browser, code } = await reachCodeStep(stack, link, phone);
  await browser.submit('/enroll/code', { code });
  const done = await browser.submit('/enroll/method', { method: 'sms' });
  assert.match(done.html, /all set/);
  return {
    userId: user.body.id as string,
    username,
    dn: created.dn,
    upn: created.userPrincipalName,
    phone,
    email,
    initialPassword,
    api,
  };
}

export function agentConfigFor(
  stack: Pick<ReachableStack, 'url' | 'temporalAddress'>,
  dc: SambaDc,
  { token, commandPublicKey }: { token: string; commandPublicKey: string },
  overrides: Partial<AgentConfig> = {},
): AgentConfig {
  return {
    serverUrl: stack.url,
    token,
    name: `test-agent-${randomUUID().slice(0, 6)}`,
    logLevel: 'warn',
    lockoutPollMs: DEFAULT_LOCKOUT_POLL_MS,
    temporalAddress: stack.temporalAddress,
    commandKey: parseCommandPublicKey(commandPublicKey),
    // The dev server listens on loopback, where plain gRPC is allowed.
    temporalTransport: { allowInsecure: false },
    directory: parseActiveDirectoryConfig(directoryConfigOf(dc)),
    ...overrides,
  };
}

/** Faults a test injects into an agent; they travel as the agent's test hooks, never as its config. */
export interface AgentFaults {
  /** A pause after the directory write, so the test can kill the agent mid-reset. */
  pauseAfterWriteMs?: number;
  /** Called as a reset command reaches the agent's code (bench:dispatch's timestamp). */
  onResetStart?: () => void;
}

/** Issues an agent credential through the MSP API and starts that agent in this process. */
export async function startTestAgent(
  stack: TestStack,
  tenant: Tenant,
  dc: SambaDc,
  { pauseAfterWriteMs, onResetStart, ...overrides }: Partial<AgentConfig> & AgentFaults = {},
  logger: Logger = createLogger('silent'),
): Promise<RunningAgent & { token: string }> {
  const api = apiClient(stack.url, tenant.apiKey);
  const issued = await api('POST', `/clients/${tenant.clientId}/agents`, { name: 'test agent' });
  assert.equal(issued.status, 201, JSON.stringify(issued.body));
  const testHooks = {
    ...(pauseAfterWriteMs && {
      afterPasswordWrite: () => new Promise<void>((resolve) => setTimeout(resolve, pauseAfterWriteMs)),
    }),
    ...(onResetStart && { onResetStart }),
  };
  const agent = await startAgent(agentConfigFor(stack, dc, issued.body, overrides), logger, testHooks);
  return Object.assign(agent, { token: issued.body.token as string });
}

/**
 * An agent credential that keeps sending heartbeats, as a running agent does, for tests that start resets but do
 * not need the directory step to finish: the client then has a live agent, so resets are not refused at once as
 * agent_offline. Stops with the process (the timer is unref'd) or when the returned function is called.
 */
export async function liveAgentHeartbeat(stack: TestStack, tenant: Tenant): Promise<() => void> {
  const api = apiClient(stack.url, tenant.apiKey);
  const issued = await api('POST', `/clients/${tenant.clientId}/agents`, { name: 'heartbeat only' });
  assert.equal(issued.status, 201, JSON.stringify(issued.body));
  const beat = async () => {
    const response = await fetch(`${stack.url}/agent/v1/heartbeat`, {
      method: 'POST',
      headers: { authorization: `Bearer ${issued.body.token as string}`, 'content-type': 'application/json' },
      body: JSON.stringify({ version: 'test', hostname: 'heartbeat-only' }),
    });
    assert.ok(response.status < 300, `heartbeat answered ${response.status}`);
  };
  await beat();
  const timer = setInterval(() => void beat().catch(() => undefined), 30_000);
  timer.unref();
  return () => clearInterval(timer);
}

/** A tenant whose client has a live agent (heartbeats only): its resets start instead of being refused as agent_offline. */
export async function createTenantWithLiveAgent(
  stack: TestStack,
  name?: string,
  settings?: Parameters<typeof createTenant>[2],
): Promise<Tenant> {
  const tenant = await createTenant(stack, name, settings);
  await liveAgentHeartbeat(stack, tenant);
  return tenant;
}

/** The temporary password from the first reset SMS to `phone` that is not in `seen`. */
export async function passwordTextedTo(stack: TestStack, phone: string, seen: Set<string>): Promise<string> {
  return passwordIn(
    await stack.outbox.waitFor((m) => m.to === phone && !seen.has(m.id) && /temporary password/.test(m.text), 30_000),
  );
}
