import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import type { Config } from '../config';
import type { ClientKeySource } from '../../common/crypto/client-keys';
import { centralCodecKeys } from '../../common/temporal/codec-keys';
import { nativeConnectionOptions, temporalConnectionOptions } from '../../common/temporal/connection';
import { createDataConverter } from '../../common/temporal/data-converter';
import { EncryptionCodec } from '../../common/temporal/encryption-codec';
import { ensureNamespace } from '../../common/temporal/namespace';
import { agentTargetProvisioner } from '../../common/temporal/agent-target';
import { agentTargetOf, nexusCallerOf, type AgentTarget, type TemporalSettings } from '../../common/temporal/settings';
import type { Database } from '../db/connect';
import { migrationRecord } from '../db/migrate';
import type { CleanupStack } from './cleanup-stack';

export interface TemporalQueues {
  /** The central task queue (temporal.yaml's, unless a test hook names its own). */
  central: string;
  /** One client's own namespace, the agents' queue there, and the Nexus endpoint that reaches it. */
  agentTargetOf: (clientId: string) => AgentTarget;
}

/**
 * Until when payloads sealed before they were bound to their workflow (no AAD) still open here: for one
 * retention period after the upgrade that introduced binding (migration 003), so that workflows running then
 * finish and their histories replay, and never on a database created with binding already in place (003 ran in
 * the same batch as 001: no such payload was ever written).
 */
export async function unboundPayloadsAcceptedUntil(db: Database, retentionMs: number): Promise<number> {
  const first = await migrationRecord(db, '001-initial');
  const binding = await migrationRecord(db, '003-client-key-generations');
  if (!first || !binding || binding.batch === first.batch) return 0;
  return binding.ranAt.getTime() + retentionMs;
}

/**
 * One native connection for the client and the worker: it lets the client ask for eager workflow start, which
 * hands a new reset straight to this process's worker and saves a round trip to the server.
 */
export async function buildTemporal(
  config: Config,
  settings: TemporalSettings,
  queues: { central?: string },
  keys: { db: Database; clientKeys: ClientKeySource },
  cleanups: CleanupStack,
) {
  const namespace = config.temporal.namespace ?? settings.namespace;
  const connection = await NativeConnection.connect(
    nativeConnectionOptions(config.temporal.address, config.temporalTransport),
  );
  cleanups.push('close the Temporal connection', () => connection.close());
  await ensureNamespace(connection, namespace, settings.retentionMs);
  const codecKeys = centralCodecKeys(config.codecKeys, keys.clientKeys);
  const codecOptions = {
    acceptUnboundUntilMs: await unboundPayloadsAcceptedUntil(keys.db, settings.retentionMs),
    // A reset's agent answers through its client's endpoint; the codec accepts that endpoint's results in that
    // client's workflows only.
    nexusCaller: nexusCallerOf(settings, namespace),
  };
  const dataConverter = createDataConverter(codecKeys, codecOptions);
  // The /codec endpoint's own instance of the same codec: it can decrypt for display and do nothing else.
  const displayCodec = new EncryptionCodec(codecKeys, codecOptions);
  const client = new Client({ connection, namespace, dataConverter });
  const taskQueues: TemporalQueues = {
    central: queues.central ?? settings.taskQueues.central,
    agentTargetOf: (clientId) => agentTargetOf(settings, namespace, clientId),
  };
  // Registering a client's namespace and endpoint are admin calls, made on a connection of their own, with a key
  // of their own when one is set: the everyday connection needs only "write" on the central namespace.
  let provisioning: Connection | undefined;
  const provisionAgentTarget = config.provisioning.enabled
    ? agentTargetProvisioner(() => {
        if (!provisioning) {
          const transport = {
            ...config.temporalTransport,
            apiKey: config.provisioning.apiKey ?? config.temporalTransport.apiKey,
          };
          provisioning = Connection.lazy(temporalConnectionOptions(config.temporal.address, transport));
        }
        return provisioning;
      }, settings.retentionMs)
    : async () => undefined;
  cleanups.push('close the provisioning connection', async () => provisioning?.close());
  return {
    connection,
    namespace,
    dataConverter,
    displayCodec,
    clientOfNexusEndpoint: codecOptions.nexusCaller.clientOfEndpoint,
    client,
    taskQueues,
    provisionAgentTarget,
  };
}

export type CentralTemporal = Awaited<ReturnType<typeof buildTemporal>>;
