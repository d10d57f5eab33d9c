import { status as grpcStatus } from '@grpc/grpc-js';
import type { temporal } from '@temporalio/proto';
import { msToTs } from '@temporalio/common/lib/time';
import type { AgentTarget } from './settings';

/** What provisioning calls: registering a namespace and creating a Nexus endpoint are admin calls. */
export interface ProvisioningConnection {
  workflowService: Pick<temporal.api.workflowservice.v1.WorkflowService, 'registerNamespace'>;
  operatorService: Pick<temporal.api.operatorservice.v1.OperatorService, 'createNexusEndpoint' | 'listNexusEndpoints'>;
}

const alreadyExists = (error: unknown) => (error as { code?: number }).code === grpcStatus.ALREADY_EXISTS;

/**
 * Registers a client's namespace (with temporal.yaml's retention) and its Nexus endpoint, whose target is that
 * namespace and the agent's queue there. Idempotent: "already exists" is success, for the namespace and for an
 * endpoint that already has this target. An endpoint of that name with another target is an error, never
 * silently rewritten: its target decides which namespace a reset's command reaches.
 */
export async function ensureAgentTarget(
  connection: ProvisioningConnection,
  target: AgentTarget,
  retentionMs: number,
): Promise<void> {
  try {
    await connection.workflowService.registerNamespace({
      namespace: target.namespace,
      workflowExecutionRetentionPeriod: msToTs(retentionMs),
      description: "Latchkey: one client's agents (docs/deployment.md)",
    });
  } catch (error) {
    if (!alreadyExists(error)) throw error;
  }
  try {
    await connection.operatorService.createNexusEndpoint({
      spec: {
        name: target.endpoint,
        target: { worker: { namespace: target.namespace, taskQueue: target.taskQueue } },
      },
    });
  } catch (error) {
    if (!alreadyExists(error)) throw error;
    const { endpoints } = await connection.operatorService.listNexusEndpoints({ name: target.endpoint });
    const worker = endpoints?.[0]?.spec?.target?.worker;
    if (worker?.namespace !== target.namespace || worker?.taskQueue !== target.taskQueue) {
      throw new Error(
        `Nexus endpoint ${target.endpoint} exists with another target (${worker?.namespace}/${worker?.taskQueue}); ` +
          `expected ${target.namespace}/${target.taskQueue}`,
      );
    }
  }
}

/**
 * Provisions each client's target once per process: the first reset of a client waits for it, every later one
 * finds it done. A failure is not cached, so the next reset tries again.
 */
export function agentTargetProvisioner(
  connection: () => ProvisioningConnection,
  retentionMs: number,
): (target: AgentTarget) => Promise<void> {
  const done = new Map<string, Promise<void>>();
  return (target) => {
    let pending = done.get(target.endpoint);
    if (!pending) {
      // Async, so that a connection that cannot even be built rejects like any other failure.
      pending = (async () => ensureAgentTarget(connection(), target, retentionMs))();
      done.set(target.endpoint, pending);
      pending.catch(() => done.delete(target.endpoint));
    }
    return pending;
  };
}
