import { ConfigError } from '../common/errors';
import { createLogger } from '../common/logger';
import { startAgent, type AgentTestHooks } from './agent';
import { agentEnvironmentVariables, loadAgentConfig } from './config';
import { agentEnvironment } from './config-file';
import { AgentTokenRejectedError } from './registration';

/**
 * The exit code of a failure that restarting would only repeat (sysexits' EX_CONFIG): a config problem or a
 * rejected token. The systemd unit does not restart on it (RestartPreventExitStatus=78); anything else exits 1.
 */
export const EXIT_NEEDS_ATTENTION = 78;

export interface RunOptions {
  /** `--config`; without it LATCHKEY_AGENT_CONFIG, then the default path if that file exists, then env only. */
  configPath?: string;
  /** Only test/support/agent-main.ts passes these. */
  testHooks?: AgentTestHooks;
}

/** Settles the process: exit 0 when `work` ends, else a one-paragraph reason (never a stack trace) and its code. */
export function exitWhenDone(work: Promise<unknown>): void {
  work.then(
    () => process.exit(0),
    (error: unknown) => {
      console.error(error instanceof ConfigError ? error.message : `latchkey-agent: ${(error as Error).message}`);
      const final = error instanceof ConfigError || error instanceof AgentTokenRejectedError;
      process.exit(final ? EXIT_NEEDS_ATTENTION : 1);
    },
  );
}

/** The agent as an OS process, as a service manager runs it: stops on SIGINT/SIGTERM, exits 1 on a failure. */
export function runAgentProcess(options: RunOptions = {}): void {
  const run = async () => {
    const { env, file } = agentEnvironment(agentEnvironmentVariables, { configPath: options.configPath });
    const config = loadAgentConfig(env);
    const logger = createLogger(config.logLevel, { service: 'latchkey-agent' });
    if (file) logger.info('Read the config file; the environment overrides it', { file });
    const agent = await startAgent(config, logger, options.testHooks);
    const stop = () => void agent.stop();
    // systemd stops a service with SIGTERM; WinSW and NSSM send the console a Ctrl+C, which Node sees as SIGINT.
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    await agent.done;
  };
  exitWhenDone(run());
}
