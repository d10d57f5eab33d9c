import { type NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import type { DataConverter } from '@temporalio/common';
import type { CentralActivities } from '../activities';

export interface CentralWorkerOptions {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  activities: CentralActivities;
  dataConverter: DataConverter;
  /**
   * A bundle written by `npm run build:workflow-bundle` (server/main.ts --workflow-bundle=<file>): start-up then
   * skips webpack, and every replica runs the same workflow code. Without it the workflows are bundled from source.
   */
  workflowBundlePath?: string;
  maxConcurrentActivityTaskExecutions?: number;
}

/**
 * The central worker: every workflow in workflows/index.ts (enrollments and password resets) plus the email, SMS
 * and database activities. The directory activities run on the agents' own queues, never here.
 */
export async function createCentralWorker(options: CentralWorkerOptions): Promise<Worker> {
  const workflowSource: Pick<WorkerOptions, 'workflowsPath' | 'workflowBundle'> = options.workflowBundlePath
    ? { workflowBundle: { codePath: options.workflowBundlePath } }
    : { workflowsPath: require.resolve('../workflows') };
  return Worker.create({
    connection: options.connection,
    namespace: options.namespace,
    taskQueue: options.taskQueue,
    activities: options.activities,
    dataConverter: options.dataConverter,
    maxConcurrentActivityTaskExecutions: options.maxConcurrentActivityTaskExecutions ?? 50,
    ...workflowSource,
  });
}
