import { NexusOperationFailure } from '@temporalio/common';
import { ApplicationFailure, createNexusServiceClient, isCancellation, sleep } from '@temporalio/workflow';
import type { DirectoryCommandResult, SignedDirectoryCommand } from '../../common/domain/directory-command';
import { directoryService, NEXUS_OPERATION_ERROR } from '../../common/domain/directory-service';
import { FailureType, NON_RETRYABLE_DIRECTORY_ERRORS } from '../../common/domain/failure-types';

/** Bounds on the directory step, as PasswordResetInput.directory carries them. */
export interface DirectoryBounds {
  attemptTimeoutMs?: number;
  totalTimeoutMs?: number;
  maximumAttempts?: number;
}

/** A refused command is refused by every agent of the client alike; retrying it only spams the audit log. */
const NON_RETRYABLE: readonly string[] = [...NON_RETRYABLE_DIRECTORY_ERRORS, FailureType.DirectoryCommandRefused];

/**
 * The agent's own failure inside what the caller sees: a failed operation arrives as NexusOperationFailure ←
 * ApplicationFailure "OperationError" ← the agent's ApplicationFailure; a handler error as NexusOperationFailure
 * ← HandlerError ← (for a non-retryable one) the ApplicationFailure it was made from.
 */
export function agentFailureOf(error: unknown): ApplicationFailure | undefined {
  let cause: unknown = error;
  for (let depth = 0; cause instanceof Error && depth < 4; depth++) {
    if (cause instanceof ApplicationFailure && cause.type !== NEXUS_OPERATION_ERROR) return cause;
    cause = cause.cause;
  }
  return undefined;
}

/**
 * Runs one directory command on the client's agent through its Nexus endpoint. Each attempt is one Nexus
 * operation with a short deadline, so that a killed agent's command goes to another agent quickly; the workflow,
 * not the server, retries, with the same bounds the activity had (attempts, total time, backoff), and stops at
 * once on a failure no retry fixes. Every attempt is a NexusOperationScheduled event in history.
 */
export async function callDirectoryAgent(
  endpoint: string,
  operation: 'resetPassword' | 'unlock',
  signed: SignedDirectoryCommand,
  bounds: DirectoryBounds = {},
): Promise<DirectoryCommandResult> {
  const agent = createNexusServiceClient({ endpoint, service: directoryService });
  const attemptTimeoutMs = bounds.attemptTimeoutMs ?? 15_000;
  const maximumAttempts = bounds.maximumAttempts ?? 5;
  const deadline = Date.now() + (bounds.totalTimeoutMs ?? 90_000);
  let backoffMs = 500;
  for (let attempt = 1; ; attempt++) {
    const remaining = deadline - Date.now();
    try {
      return await agent.executeOperation(operation, signed, {
        scheduleToCloseTimeout: Math.max(1_000, Math.min(attemptTimeoutMs, remaining)),
      });
    } catch (error) {
      if (isCancellation(error) || !(error instanceof NexusOperationFailure)) throw error;
      const failure = agentFailureOf(error);
      if (failure && (failure.nonRetryable || NON_RETRYABLE.includes(failure.type ?? ''))) throw failure;
      if (attempt >= maximumAttempts || deadline - Date.now() <= backoffMs + 1_000) throw failure ?? error;
      await sleep(backoffMs);
      backoffMs = Math.min(backoffMs * 2, 10_000);
    }
  }
}
