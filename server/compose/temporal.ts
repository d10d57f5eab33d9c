import { Client } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import type { Config } from '../config';
import { createCentralDataConverter } from '../../common/temporal/central-data-converter';
import { temporalConnectionOptions } from '../../common/temporal/connection';
import { ensureNamespace } from '../../common/temporal/namespace';
import { agentTaskQueue, type TemporalSettings } from '../../common/temporal/settings';
import type { CleanupStack } from './cleanup-stack';

export interface TemporalQueues {
  /** The central task queue (temporal.yaml's, unless a test hook names its own). */
  central: string;
  /** The task queue of one client's agents. */
  agentOf: (clientId: string) => string;
}

/**
 * One native connection for the client and the worker: it lets the client ask for eager workflow start, which
 * hands a new reset straight to this process's worker and saves a round trip to the server.
 */
export async function buildTemporal(
  config: Config,
  settings: TemporalSettings,
  queues: { central?: string; agentPrefix?: string },
  cleanups: CleanupStack,
) {
  const namespace = config.temporal.namespace ?? settings.namespace;
  const connection = await NativeConnection.connect(
    temporalConnectionOptions(config.temporal.address, config.temporalTransport),
  );
  cleanups.push('close the Temporal connection', () => connection.close());
  await ensureNamespace(connection, namespace, settings.retentionMs);
  const dataConverter = createCentralDataConverter(config.codecKeys, config.masterKey);
  const client = new Client({ connection, namespace, dataConverter });
  const taskQueues: TemporalQueues = {
    central: queues.central ?? settings.taskQueues.central,
    agentOf: (clientId) =>
      queues.agentPrefix ? `${queues.agentPrefix}${clientId}` : agentTaskQueue(settings, clientId),
  };
  return { connection, namespace, dataConverter, client, taskQueues };
}

export type CentralTemporal = Awaited<ReturnType<typeof buildTemporal>>;
