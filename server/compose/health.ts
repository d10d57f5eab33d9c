import type { NativeConnection, Worker } from '@temporalio/worker';
import type { Database } from '../db/connect';

export type Health = Record<'database' | 'temporal' | 'worker', 'ok' | string>;

/** A load balancer polls /healthz; a dependency that hangs must show as down, not hang the probe too. */
const CHECK_DEADLINE_MS = 3_000;

function outcome(check: Promise<unknown>): Promise<'ok' | string> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${CHECK_DEADLINE_MS / 1000} s`)), CHECK_DEADLINE_MS);
  });
  return Promise.race([check, deadline])
    .then(
      () => 'ok' as const,
      (error: Error) => error.message,
    )
    .finally(() => clearTimeout(timer));
}

/** What /healthz reports, and what a worker-only process logs in place of it. No worker here (api role) is ok. */
export function healthCheck(db: Database, connection: NativeConnection, worker?: Worker): () => Promise<Health> {
  return async () => {
    const [database, temporal] = await Promise.all([
      outcome(db.raw('select 1')),
      outcome(connection.healthService.check({})),
    ]);
    return {
      database,
      temporal,
      worker: !worker || worker.getState() === 'RUNNING' ? 'ok' : `worker is ${worker.getState()}`,
    };
  };
}
