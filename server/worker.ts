import { type NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import type { DataConverter } from '@temporalio/common';
import type { CentralActivities } from '../activities';

export interface CentralWorkerOptions {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  activities: CentralActivities;
  dataConverter: DataConverter;
  /** A prebuilt bundle (production); without it the workflows are bundled from source at start-up. */
  workflowBundlePath?: string;
  maxConcurrentActivityTaskExecutions?: number;
}

/** The central worker: enrollment workflows plus the email, SMS and database activities. */
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
