import { NativeConnection, Worker } from '@temporalio/worker';
import {
  createDirectoryActivities,
  createDirectoryNexusHandler,
  type DirectoryTestHooks,
} from '../activities/directory.activities';
import { createLogger, errorFields, type Logger } from '../common/logger';
import { agentCodecKeys } from '../common/temporal/codec-keys';
import { nativeConnectionOptions } from '../common/temporal/connection';
import { createDataConverter } from '../common/temporal/data-converter';
import { installSdkLogger } from '../common/temporal/sdk-logger';
import { createDirectoryProvider } from '../plugins/directory-registry';
import { LATCHKEY_VERSION } from '../common/version';
import type { AgentConfig } from './config';
import { AgentKeys } from './agent-keys';
import { startHeartbeat } from './heartbeat';
import { fetchAgentSettings, reportCommandRefusal, sendHeartbeat } from './registration';

/** Reported in every heartbeat, so the MSP sees which agents still run an old release. */
export const AGENT_VERSION: string = LATCHKEY_VERSION;

/** Knobs only tests turn (fault injection); no setting in the agent's config reaches them. */
export type AgentTestHooks = DirectoryTestHooks;

export interface RunningAgent {
  agentId: string;
  clientId: string;
  taskQueue: string;
  /** Settles when the worker stops; rejects if it crashed. */
  done: Promise<void>;
  stop(): Promise<void>;
}

/**
 * The on-premises agent: a Temporal worker in its client's own namespace that serves the `latchkey-directory`
 * Nexus service, which the central worker reaches through the client's endpoint. It opens no port;
 * it connects out to Latchkey (settings, heartbeat) and to Temporal (polling), and in to the local directory.
 */
export async function startAgent(
  config: AgentConfig,
  logger: Logger = createLogger(config.logLevel, { service: 'latchkey-agent' }),
  testHooks?: AgentTestHooks,
): Promise<RunningAgent> {
  const settings = await fetchAgentSettings(config.serverUrl, config.token, (line) => logger.warn(line));
  const unregisterSdkLogger = installSdkLogger(logger, config.logLevel);
  // The client's key generations, refreshed from Latchkey when a task names one this agent does not hold yet.
  const keys = new AgentKeys(
    settings.clientId,
    settings.clientKeys,
    () => fetchAgentSettings(config.serverUrl, config.token, (line) => logger.warn(line), 0),
    { warn: (line) => logger.warn(line) },
  );
  const directory = createDirectoryProvider(config.directory);
  await directory.healthCheck().then(
    () => logger.info('Directory reachable'),
    (error) => logger.warn('The directory is not answering yet; resets will fail until it does', errorFields(error)),
  );

  const address = config.temporalAddress;
  if (settings.temporal.address !== address) {
    logger.warn('Latchkey suggests another Temporal address; this agent uses its own LATCHKEY_AGENT_TEMPORAL_ADDRESS', {
      suggested: settings.temporal.address,
      temporal: address,
    });
  }
  let connection: NativeConnection | undefined;
  let worker: Worker;
  try {
    connection = await NativeConnection.connect(nativeConnectionOptions(address, config.temporalTransport));
    worker = await Worker.create({
      connection,
      // The client's own namespace: the agent's credential needs "write" there and nothing on the central one.
      namespace: settings.temporal.namespace,
      taskQueue: settings.temporal.taskQueue,
      nexusServices: [
        createDirectoryNexusHandler(
          createDirectoryActivities({
            directory,
            clientId: settings.clientId,
            commandKey: config.commandKey,
            generationSecret: (generation) => keys.get(generation),
            lockoutWatch: { pollIntervalMs: config.lockoutPollMs },
            reportRefusal: async (report) => {
              logger.warn(
                'Refused a directory command: not signed for this agent, expired, or under a key generation it cannot get',
                { ...report },
              );
              await reportCommandRefusal(config.serverUrl, config.token, report);
            },
            testHooks,
          }),
        ),
      ],
      // The SDK gives a Nexus handler no serialization context: commands must be sealed for one of this client's
      // workflows in the central namespace, and answers are bound to it and to this client's endpoint.
      dataConverter: createDataConverter(agentCodecKeys(settings.clientId, keys), {
        nexusHandler: { namespace: settings.temporal.centralNamespace, endpoint: settings.temporal.endpoint },
      }),
      maxConcurrentNexusTaskExecutions: 8,
    });
  } catch (error) {
    // An open LDAP connection or gRPC channel would keep the process alive after a failed start.
    await directory.close().catch(() => undefined);
    await connection?.close().catch(() => undefined);
    unregisterSdkLogger();
    throw error;
  }
  const openConnection = connection;

  const heartbeat = startHeartbeat(
    () => sendHeartbeat(config.serverUrl, config.token, { version: AGENT_VERSION, hostname: config.name }),
    settings.heartbeatIntervalSeconds * 1000,
    (error) => logger.warn('Heartbeat failed', errorFields(error)),
  );
  await heartbeat.first;

  const done = worker.run().finally(async () => {
    heartbeat.stop();
    unregisterSdkLogger();
    await directory.close().catch(() => undefined);
    await openConnection.close().catch(() => undefined);
  });
  logger.info('Agent running', {
    agentId: settings.agentId,
    namespace: settings.temporal.namespace,
    taskQueue: settings.temporal.taskQueue,
    temporal: address,
  });
  return {
    agentId: settings.agentId,
    clientId: settings.clientId,
    taskQueue: settings.temporal.taskQueue,
    done,
    async stop() {
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await done.catch(() => undefined);
    },
  };
}
