import type { NativeConnection, Worker } from '@temporalio/worker';
import type { Database } from '../db/connect';

export type Health = Record<'database' | 'temporal' | 'worker', 'ok' | string>;

const outcome = (check: Promise<unknown>) =>
  check.then(
    () => 'ok' as const,
    (error: Error) => error.message,
  );

/** What /healthz reports, and what a worker-only process logs in place of it. No worker here (api role) is ok. */
export function healthCheck(db: Database, connection: NativeConnection, worker?: Worker): () => Promise<Health> {
  return async () => ({
    database: await outcome(db.raw('select 1')),
    temporal: await outcome(connection.healthService.check({})),
    worker: !worker || worker.getState() === 'RUNNING' ? 'ok' : `worker is ${worker.getState()}`,
  });
}
