import { runAgentProcess } from '../../agent/run';

/**
 * The agent's process with fault injection, for tests that kill an agent mid-reset. Only this test-only entry
 * point reads LATCHKEY_TEST_AGENT_PAUSE_AFTER_WRITE_MS; agent/main.ts, the one that ships, never does, so no
 * production environment can turn the fault on.
 */
const pauseMs = Number(process.env.LATCHKEY_TEST_AGENT_PAUSE_AFTER_WRITE_MS ?? 0);
runAgentProcess({
  testHooks: pauseMs > 0 ? { afterPasswordWrite: () => new Promise((resolve) => setTimeout(resolve, pauseMs)) } : {},
});
