import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { status } from '@grpc/grpc-js';
import { agentTargetProvisioner, ensureAgentTarget, type ProvisioningConnection } from './agent-target';

const target = { namespace: 'latchkey-client-x', taskQueue: 'latchkey-agent-v1-x', endpoint: 'latchkey-agent-x' };
const exists = () => Object.assign(new Error('already exists'), { code: status.ALREADY_EXISTS });

/** A cluster that holds namespaces and endpoints, and counts the calls made to it. */
function fakeCluster(existing: { taskQueue: string } | undefined = undefined) {
  const namespaces = new Set<string>();
  const endpoints = new Map<string, { namespace: string; taskQueue: string }>();
  if (existing) endpoints.set(target.endpoint, { namespace: target.namespace, taskQueue: existing.taskQueue });
  const calls: string[] = [];
  const connection = {
    workflowService: {
      async registerNamespace({ namespace }: { namespace?: string | null }) {
        calls.push('registerNamespace');
        if (namespaces.has(namespace!)) throw exists();
        namespaces.add(namespace!);
        return {};
      },
    },
    operatorService: {
      async createNexusEndpoint({ spec }: { spec?: { name?: string | null; target?: unknown } | null }) {
        calls.push('createNexusEndpoint');
        if (endpoints.has(spec!.name!)) throw exists();
        const worker = (spec!.target as { worker: { namespace: string; taskQueue: string } }).worker;
        endpoints.set(spec!.name!, worker);
        return {};
      },
      async listNexusEndpoints({ name }: { name?: string | null }) {
        const worker = endpoints.get(name!);
        return { endpoints: worker ? [{ spec: { name, target: { worker } } }] : [] };
      },
    },
  } as unknown as ProvisioningConnection;
  return { connection, namespaces, endpoints, calls };
}

describe("provisioning a client's namespace and Nexus endpoint", () => {
  it('creates both, and treats "already exists" as done when the target is the same', async () => {
    const cluster = fakeCluster();
    await ensureAgentTarget(cluster.connection, target, 86_400_000);
    await ensureAgentTarget(cluster.connection, target, 86_400_000);
    assert.deepEqual([...cluster.namespaces], [target.namespace]);
    assert.deepEqual(cluster.endpoints.get(target.endpoint), {
      namespace: target.namespace,
      taskQueue: target.taskQueue,
    });
  });

  it('refuses to take over an endpoint of that name with another target, and changes nothing', async () => {
    const cluster = fakeCluster({ taskQueue: 'somewhere-else' });
    await assert.rejects(ensureAgentTarget(cluster.connection, target, 86_400_000), /exists with another target/);
    assert.equal(cluster.endpoints.get(target.endpoint)!.taskQueue, 'somewhere-else');
  });

  it('provisions each client once per process, and tries again after a failure', async () => {
    const cluster = fakeCluster();
    let fail = true;
    const provision = agentTargetProvisioner(() => {
      if (fail) throw new Error('unreachable');
      return cluster.connection;
    }, 86_400_000);
    await assert.rejects(provision(target), /unreachable/);
    fail = false;
    await Promise.all([provision(target), provision(target)]);
    await provision(target);
    assert.deepEqual(cluster.calls, ['registerNamespace', 'createNexusEndpoint']);
  });
});
