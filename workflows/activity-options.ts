import { ActivityFailure, ApplicationFailure, type ActivityOptions } from '@temporalio/workflow';
import { FailureType, NON_RETRYABLE_PROVIDER_ERRORS } from '../common/domain/failure-types';

/** Provider refusals that no retry will fix: a bad recipient, bad credentials. */
export const PROVIDER_NON_RETRYABLE = [...NON_RETRYABLE_PROVIDER_ERRORS];

/** Database writes: quick, and retried for as long as a short outage might last. */
export const DATABASE_WRITE: ActivityOptions = {
  startToCloseTimeout: '10s',
  retry: { initialInterval: '200ms', maximumInterval: '10s', maximumAttempts: 20 },
};

/** An email nobody is watching a page for (an activation, an owner's notice): it may wait out an SMTP outage. */
export const BACKGROUND_EMAIL: ActivityOptions = {
  startToCloseTimeout: '30s',
  scheduleToCloseTimeout: '1h',
  retry: { initialInterval: '1s', maximumInterval: '1m', nonRetryableErrorTypes: PROVIDER_NON_RETRYABLE },
};

/** A message someone is waiting for on screen: give up quickly and let them try again. */
export const INTERACTIVE_MESSAGE: ActivityOptions = {
  startToCloseTimeout: '10s',
  scheduleToCloseTimeout: '20s',
  retry: {
    initialInterval: '500ms',
    maximumInterval: '5s',
    nonRetryableErrorTypes: [...PROVIDER_NON_RETRYABLE, FailureType.SmsLimitReached],
  },
};

/** The ApplicationFailure an activity threw, when it threw one (rather than timing out). */
export function applicationFailureOf(error: unknown): ApplicationFailure | undefined {
  const cause = error instanceof ActivityFailure ? error.cause : error;
  return cause instanceof ApplicationFailure ? cause : undefined;
}

/**
 * Whether an awaited activity failed, rather than the workflow's own code. A local activity's non-retryable
 * failure reaches the workflow bare, as the ApplicationFailure it threw, without an ActivityFailure around it.
 */
export function isActivityFailure(error: unknown): boolean {
  return error instanceof ActivityFailure || error instanceof ApplicationFailure;
}
