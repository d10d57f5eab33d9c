import * as nexus from 'nexus-rpc';
import { createNexusServiceClient, proxyActivities } from '@temporalio/workflow';

export interface RogueCall {
  taskQueue: string;
  activity: string;
  args: unknown[];
}

/**
 * An attacker's workflow: it schedules one activity, by name, with arguments of its choosing, on any task queue
 * it names. The trust tests run it on a queue of their own to play someone who can reach Temporal.
 */
export async function rogueActivityWorkflow(call: RogueCall): Promise<unknown> {
  const activities = proxyActivities<Record<string, (...args: unknown[]) => Promise<unknown>>>({
    taskQueue: call.taskQueue,
    startToCloseTimeout: '15s',
    retry: { maximumAttempts: 1 },
  });
  return activities[call.activity]!(...call.args);
}

export interface RogueNexusCall {
  endpoint: string;
  service: string;
  operation: string;
  input: unknown;
}

/**
 * An attacker's workflow that sends one Nexus operation, by name, with an input of its choosing, to any endpoint
 * it names: open-source Temporal lets a workflow in any namespace call any endpoint.
 */
export async function rogueNexusWorkflow(call: RogueNexusCall): Promise<unknown> {
  const service = nexus.service(call.service, { [call.operation]: nexus.operation<unknown, unknown>() });
  const client = createNexusServiceClient({ endpoint: call.endpoint, service });
  return client.executeOperation(call.operation, call.input, { scheduleToCloseTimeout: '20 seconds' });
}
