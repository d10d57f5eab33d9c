import { ConfigError } from '../common/errors';
import { createLogger } from '../common/logger';
import { startAgent, type AgentTestHooks } from './agent';
import { loadAgentConfig } from './config';

/**
 * The agent as an OS process: config from the environment, stop on SIGINT/SIGTERM, exit 1 on a failure.
 * agent/main.ts runs it as shipped; only test/support/agent-main.ts passes test hooks.
 */
export function runAgentProcess(testHooks?: AgentTestHooks): void {
  const run = async () => {
    const config = loadAgentConfig();
    const logger = createLogger(config.logLevel, { service: 'latchkey-agent' });
    const agent = await startAgent(config, logger, testHooks);
    const stop = () => void agent.stop();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    await agent.done;
  };
  run().then(
    () => process.exit(0),
    (error: unknown) => {
      console.error(error instanceof ConfigError ? error.message : `latchkey-agent: ${(error as Error).message}`);
      process.exit(1);
    },
  );
}
