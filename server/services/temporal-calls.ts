import { WorkflowNotFoundError, WorkflowUpdateFailedError, type Client } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { status as grpcStatus } from '@grpc/grpc-js';
import { ConflictError, LatchkeyError, ServiceUnavailableError, type ErrorCode } from '../../common/errors';
import { FailureType } from '../../common/domain/failure-types';
import type { EnrollmentPairingPort } from './devices/enrollment-pairing';

/**
 * Failure types that a workflow's update validators throw, and the domain error code each becomes. How a code
 * looks to an HTTP caller is decided in server/http/error-response.ts, with every other code.
 */
const UPDATE_REJECTIONS: Partial<Record<FailureType, ErrorCode>> = {
  [FailureType.EnrollmentBlocked]: 'enrollment_blocked',
  [FailureType.EnrollmentClosed]: 'enrollment_closed',
  [FailureType.WrongStep]: 'wrong_step',
  [FailureType.Busy]: 'busy',
  [FailureType.PhoneRequired]: 'phone_required',
  [FailureType.ResendTooSoon]: 'resend_too_soon',
  [FailureType.InvalidMethod]: 'invalid_method',
  [FailureType.InvalidPinHash]: 'invalid_pin_hash',
  [FailureType.ActivationEmailFailed]: 'email_unavailable',
};

export class TemporalUnavailableError extends ServiceUnavailableError {
  constructor() {
    super('The workflow service is unavailable right now; try again in a minute');
  }
}

/**
 * Maps what the Temporal client throws to domain errors: a validator's rejection keeps the validator's own
 * message under its code, a workflow that no longer exists means the enrollment has ended, and an unreachable
 * server is `service_unavailable`. Anything else is returned unchanged, to be treated as unexpected.
 */
export function toDomainError(error: unknown): unknown {
  if (error instanceof WorkflowUpdateFailedError && error.cause instanceof ApplicationFailure) {
    const code = UPDATE_REJECTIONS[(error.cause.type ?? '') as FailureType];
    if (code) return new LatchkeyError(error.cause.message, code);
    return new ConflictError(error.cause.message);
  }
  if (error instanceof WorkflowNotFoundError) {
    return new LatchkeyError(
      'This enrollment has ended; ask your IT provider for a new activation email',
      'enrollment_closed',
    );
  }
  const code = (error as { code?: number } | undefined)?.code;
  if (code === grpcStatus.UNAVAILABLE || code === grpcStatus.DEADLINE_EXCEEDED) return new TemporalUnavailableError();
  return error;
}

/** Every Temporal call a service makes goes through here, so that callers only ever see domain errors. */
export async function callTemporal<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw toDomainError(error);
  }
}

/** The enrollment workflow's `appPaired` update (workflows/enrollment/enrollment.messages.ts), by its wire name. */
export function temporalEnrollmentPairing(client: Pick<Client, 'workflow'>): EnrollmentPairingPort {
  return {
    async appPaired(workflowId, deviceId) {
      await callTemporal(() =>
        client.workflow.getHandle(workflowId).executeUpdate('appPaired', { args: [{ deviceId }] }),
      );
    },
  };
}
