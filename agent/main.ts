import { ConfigError } from '../common/errors';
import { createLogger } from '../common/logger';
import { startAgent } from './agent';
import { loadAgentConfig } from './config';

async function run(): Promise<void> {
  const config = loadAgentConfig();
  const logger = createLogger(config.logLevel, { service: 'latchkey-agent' });
  const agent = await startAgent(config, logger);
  const stop = () => void agent.stop();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  await agent.done;
}

run().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error instanceof ConfigError ? error.message : `latchkey-agent: ${(error as Error).message}`);
    process.exit(1);
  },
);
