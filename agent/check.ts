import { NativeConnection } from '@temporalio/worker';
import { nativeConnectionOptions } from '../common/temporal/connection';
import { LATCHKEY_VERSION } from '../common/version';
import { createDirectoryProvider } from '../plugins/directory-registry';
import { agentEnvironmentVariables, loadAgentConfig } from './config';
import { agentEnvironment } from './config-file';
import { fetchAgentSettings } from './registration';

/** One line per step, so an installer sees what works before the service starts. */
type Say = (line: string) => void;

async function step(say: Say, what: string, probe: () => Promise<string>): Promise<boolean> {
  try {
    say(`ok    ${what}: ${await probe()}`);
    return true;
  } catch (error) {
    say(`FAIL  ${what}: ${(error as Error).message}`);
    return false;
  }
}

/**
 * `latchkey-agent check`: reads the config and tries each connection the agent needs once, without a heartbeat
 * (so the API does not show the agent online) and without serving any work. Resolves to whether all passed.
 */
export async function checkAgent(configPath: string | undefined, say: Say = console.log): Promise<boolean> {
  const { env, file } = agentEnvironment(agentEnvironmentVariables, { configPath });
  const config = loadAgentConfig(env);
  say(`latchkey-agent ${LATCHKEY_VERSION}; settings from ${file ?? 'the environment only'}`);
  const latchkey = await step(say, `Latchkey at ${new URL(config.serverUrl).origin}`, async () => {
    const settings = await fetchAgentSettings(config.serverUrl, config.token, () => undefined, 0);
    return `token accepted for client ${settings.clientId}, namespace ${settings.temporal.namespace}`;
  });
  const directory = await step(say, `directory at ${config.directory.url}`, async () => {
    const provider = createDirectoryProvider(config.directory);
    try {
      await provider.healthCheck();
    } finally {
      await provider.close().catch(() => undefined);
    }
    return 'bound as the service account';
  });
  const temporal = await step(say, `Temporal at ${config.temporalAddress}`, async () => {
    const connection = await NativeConnection.connect(
      nativeConnectionOptions(config.temporalAddress, config.temporalTransport),
    );
    await connection.close();
    return 'connected';
  });
  return latchkey && directory && temporal;
}
