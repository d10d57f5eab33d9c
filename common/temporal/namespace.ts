import type { temporal } from '@temporalio/proto';
import { status as grpcStatus } from '@grpc/grpc-js';
import { msToTs } from '@temporalio/common/lib/time';

function isNotFound(error: unknown): boolean {
  return (error as { code?: number }).code === grpcStatus.NOT_FOUND;
}

/**
 * Registers the namespace if it is missing and keeps its retention equal to temporal.yaml, so that the file
 * stays the truth for the deployment rather than whatever the namespace was created with years ago.
 */
export async function ensureNamespace(
  connection: { workflowService: temporal.api.workflowservice.v1.WorkflowService },
  namespace: string,
  retentionMs: number,
): Promise<'created' | 'updated' | 'unchanged'> {
  const retention = msToTs(retentionMs);
  try {
    const described = await connection.workflowService.describeNamespace({ namespace });
    const current = Number(described.config?.workflowExecutionRetentionTtl?.seconds ?? 0);
    if (current === Math.floor(retentionMs / 1000)) return 'unchanged';
    await connection.workflowService.updateNamespace({
      namespace,
      config: { workflowExecutionRetentionTtl: retention },
    });
    return 'updated';
  } catch (error) {
    if (!isNotFound(error)) throw error;
    await connection.workflowService.registerNamespace({ namespace, workflowExecutionRetentionPeriod: retention });
    await untilServed(connection, namespace);
    return 'created';
  }
}

/**
 * The describe that found the namespace missing leaves that answer cached in the frontend for about a second, so
 * calls right after the registration (the worker's schedules, a first start) fail with "namespace not found".
 * A prebuilt workflow bundle makes the worker fast enough to hit that; this waits until the namespace is served.
 */
async function untilServed(
  connection: { workflowService: temporal.api.workflowservice.v1.WorkflowService },
  namespace: string,
  timeoutMs = 30_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await connection.workflowService.listSchedules({ namespace, maximumPageSize: 1 });
      return;
    } catch (error) {
      if (!isNotFound(error) || Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}
