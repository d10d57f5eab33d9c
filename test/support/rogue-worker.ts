import { randomUUID } from 'node:crypto';
import type { DataConverter } from '@temporalio/common';
import { NativeConnection, Worker } from '@temporalio/worker';
import type { Client } from '@temporalio/client';
import type * as nexus from 'nexus-rpc';
import { rogueNexusWorkflow, type RogueNexusCall } from './rogue-workflows';

/**
 * A worker that Latchkey did not start, on its own connection: it plays an attacker who can reach Temporal
 * and, in the hardest case, holds Latchkey's codec keys, so that what refuses it is not the codec.
 */
export async function startRogueWorker(options: {
  address: string;
  namespace: string;
  dataConverter: DataConverter;
  taskQueue?: string;
  activities?: Record<string, (...args: never[]) => Promise<unknown>>;
  /** Nexus services to serve instead of workflows (a forger polling an agent's Nexus queue). */
  nexusServices?: nexus.ServiceHandler<any>[];
}) {
  const connection = await NativeConnection.connect({ address: options.address });
  const taskQueue = options.taskQueue ?? `rogue-${randomUUID()}`;
  const worker = await Worker.create({
    connection,
    namespace: options.namespace,
    taskQueue,
    dataConverter: options.dataConverter,
    ...(options.activities ? { activities: options.activities } : {}),
    ...(options.nexusServices ? { nexusServices: options.nexusServices } : {}),
    ...(options.taskQueue ? {} : { workflowsPath: require.resolve('./rogue-workflows') }),
  });
  const running = worker.run();
  return {
    taskQueue,
    async stop() {
      worker.shutdown();
      await running.catch(() => undefined);
      await connection.close();
    },
  };
}

/** Sends one rogue Nexus operation through the attacker's own workflow, under a workflow id the attacker picks. */
export async function runRogueNexusCall(client: Client, rogueQueue: string, workflowId: string, call: RogueNexusCall) {
  const handle = await client.workflow.start(rogueNexusWorkflow, { taskQueue: rogueQueue, workflowId, args: [call] });
  return handle.result();
}
