// Workflows of an attacker who can reach Temporal, for the tests that show the central worker refusing them.
// They run on the attacker's own worker and task queue and schedule Latchkey's central activities with inputs
// of their choosing. Each returns the failure type the activity was refused with, or 'done' if it was not.

import * as nexus from 'nexus-rpc';
import { ActivityFailure, ApplicationFailure, createNexusServiceClient, proxyActivities } from '@temporalio/workflow';
import type { CentralActivities } from '../../activities';

type Input<Name extends keyof CentralActivities> = Parameters<CentralActivities[Name]>[0];

function central(taskQueue: string) {
  // A few attempts, so that a refusal that were merely retryable would still show up as a refusal, quickly.
  return proxyActivities<CentralActivities>({
    taskQueue,
    startToCloseTimeout: '10s',
    retry: { initialInterval: '100ms', maximumAttempts: 3 },
  });
}

function outcomeOf(error: unknown): string {
  const cause = error instanceof ActivityFailure ? error.cause : error;
  if (cause instanceof ApplicationFailure) return cause.type ?? 'ApplicationFailure';
  throw error;
}

/** Runs one forged call, answering with the refusal's failure type, or 'done' if it went through. */
async function attempt(call: () => Promise<unknown>): Promise<string> {
  try {
    await call();
    return 'done';
  } catch (error) {
    return outcomeOf(error);
  }
}

export async function forgedCompleteEnrollment(input: {
  centralTaskQueue: string;
  call: Input<'completeEnrollment'>;
}): Promise<string> {
  return attempt(() => central(input.centralTaskQueue).completeEnrollment(input.call));
}

export async function forgedSendVerificationCode(input: {
  centralTaskQueue: string;
  call: Input<'sendVerificationCode'>;
}): Promise<string> {
  return attempt(() => central(input.centralTaskQueue).sendVerificationCode(input.call));
}

/** Any central activity, by name, with an input of the attacker's choosing. */
export async function forgedActivity(input: {
  centralTaskQueue: string;
  activity: keyof CentralActivities;
  call: unknown;
}): Promise<string> {
  const activities = central(input.centralTaskQueue) as unknown as Record<string, (call: unknown) => Promise<void>>;
  return attempt(() => activities[input.activity]!(input.call));
}

export interface RogueNexusCall {
  endpoint: string;
  service: string;
  operation: string;
  input: unknown;
}

/**
 * Sends one Nexus operation, by name, with an input of the attacker's choosing, to any endpoint it names:
 * open-source Temporal lets a workflow in any namespace call any endpoint. Fails as the operation failed.
 */
export async function rogueNexusWorkflow(call: RogueNexusCall): Promise<unknown> {
  const service = nexus.service(call.service, { [call.operation]: nexus.operation<unknown, unknown>() });
  const client = createNexusServiceClient({ endpoint: call.endpoint, service });
  return client.executeOperation(call.operation, call.input, { scheduleToCloseTimeout: '20 seconds' });
}
