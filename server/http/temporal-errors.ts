import { WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { status as grpcStatus } from '@grpc/grpc-js';
import { FailureType } from '../../common/domain/failure-types';
import { ConflictError, LatchkeyError } from '../../common/errors';

/** Error types that a workflow's update validators throw, and what each means to an HTTP caller. */
const UPDATE_REJECTIONS: Record<string, { status: number; code: string }> = {
  [FailureType.EnrollmentBlocked]: { status: 423, code: 'enrollment_blocked' },
  [FailureType.EnrollmentClosed]: { status: 410, code: 'enrollment_closed' },
  [FailureType.WrongStep]: { status: 409, code: 'wrong_step' },
  [FailureType.Busy]: { status: 409, code: 'busy' },
  [FailureType.PhoneRequired]: { status: 400, code: 'phone_required' },
  [FailureType.ResendTooSoon]: { status: 429, code: 'resend_too_soon' },
  [FailureType.InvalidMethod]: { status: 400, code: 'invalid_method' },
  [FailureType.InvalidPinHash]: { status: 400, code: 'invalid_pin_hash' },
  [FailureType.ActivationEmailFailed]: { status: 503, code: 'email_unavailable' },
};

export class TemporalUnavailableError extends LatchkeyError {
  constructor() {
    super('The workflow service is unavailable right now; try again in a minute', 'service_unavailable', 503);
  }
}

/**
 * Maps what the Temporal client throws to our HTTP errors: a validator's rejection is the caller's mistake
 * (4xx with the validator's own message), a closed workflow is 410, an unreachable server is 503.
 */
export function toHttpError(error: unknown): unknown {
  if (error instanceof WorkflowUpdateFailedError && error.cause instanceof ApplicationFailure) {
    const mapping = UPDATE_REJECTIONS[error.cause.type ?? ''];
    if (mapping) return new LatchkeyError(error.cause.message, mapping.code, mapping.status);
    return new ConflictError(error.cause.message);
  }
  if (error instanceof WorkflowNotFoundError) {
    return new LatchkeyError(
      'This enrollment has ended; ask your IT provider for a new activation email',
      'enrollment_closed',
      410,
    );
  }
  const code = (error as { code?: number }).code;
  if (code === grpcStatus.UNAVAILABLE || code === grpcStatus.DEADLINE_EXCEEDED) return new TemporalUnavailableError();
  return error;
}

export async function callTemporal<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw toHttpError(error);
  }
}
