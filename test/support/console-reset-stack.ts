import type { Browser } from 'playwright-core';
import type { RunningAgent } from '../../agent/agent';
import type { ApiKeyRole } from '../../common/domain/api-key-roles';
import { launchBrowser } from './browser';
import { startTestAgent, type Tenant } from './reset-setup';
import { startSambaDc, type SambaDc } from './samba';
import { createTenant, startTestStack, type TestStack } from './stack';
import { createTechnician, type TestTechnician } from './technician';

/** What a console browser test that resets a password needs, started together and stopped together. */
export interface ConsoleResetStack {
  dc: SambaDc;
  stack: TestStack;
  tenant: Tenant;
  agent: RunningAgent;
  tech: TestTechnician;
  chromium: Browser;
  stop(): Promise<void>;
}

/**
 * A real Samba DC, the stack, one MSP with a client (Northwind IT) served by a real agent, a technician of the MSP
 * with `role`, and Chromium. The agent pauses after its directory write, so a reset stays in progress long
 * enough for the page to be seen following it. If a piece fails to start, the pieces already started are stopped.
 */
export async function startConsoleResetStack(technician: {
  role: ApiKeyRole;
  displayName: string;
}): Promise<ConsoleResetStack> {
  const stops: Array<() => Promise<unknown>> = [];
  const stop = async () => {
    for (const stopOne of stops.splice(0).reverse()) await stopOne();
  };
  try {
    const dc = await startSambaDc();
    stops.push(() => dc.stop());
    const stack = await startTestStack();
    stops.push(() => stack.stop());
    const tenant = await createTenant(stack, 'Northwind IT');
    const agent = await startTestAgent(stack, tenant, dc, { pauseAfterWriteMs: 4_000 });
    stops.push(() => agent.stop());
    const tech = await createTechnician(stack, tenant.mspId, technician.role, technician.displayName);
    const chromium = await launchBrowser();
    stops.push(() => chromium.close());
    return { dc, stack, tenant, agent, tech, chromium, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
