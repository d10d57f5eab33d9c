import { proxyActivities, proxyLocalActivities, uuid4 } from '@temporalio/workflow';
import type { CentralActivities, DirectoryActivities } from '../../activities';
import { applicationFailureOf, BACKGROUND_EMAIL, PROVIDER_NON_RETRYABLE } from '../activity-options';
import type { ClientPolicy } from '../../common/domain/client-policy';
import { NON_RETRYABLE_DIRECTORY_ERRORS } from '../../common/domain/failure-types';
import type { ResetChannel, ResetRefusalReason } from '../../common/domain/reset';

export interface PasswordResetInput {
  resetId: string;
  userId: string;
  /** The directory account, and the client's policy, as checked by whoever started the reset. */
  username: string;
  policy: ClientPolicy;
  channel: ResetChannel;
  /** "api-key:<id>" for a technician, "sms" for a texted RESET. */
  requestedBy: string;
  requestedAt: number;
  /**
   * 32 bytes from the starter's CSPRNG. The agent derives the password from it with its own secret key, so the
   * password is random yet every retry of the write sets the same one. Histories from before this field
   * existed fall back to a workflow uuid, which keeps them replayable.
   */
  nonce?: string;
  /** The client's agent queue: the directory write happens on premises, never centrally. */
  agentTaskQueue: string;
  /** Bounds on the directory step; tests shrink them. */
  directory?: { attemptTimeoutMs?: number; totalTimeoutMs?: number; maximumAttempts?: number };
}

export type PasswordResetResult =
  | { status: 'completed'; resetId: string; unlocked: boolean }
  | { status: 'refused'; resetId: string; reason: ResetRefusalReason }
  | { status: 'failed'; resetId: string; code: string; userMessage: string };

/**
 * Delivery and bookkeeping are short and run as local activities in the workflow's own worker: no round trip
 * through the Temporal server for each, which is most of what a reset costs besides the directory write itself
 * (see bench/reset.bench.ts). A local activity can run twice if its worker dies before the result is recorded;
 * here that means the same password texted twice, never a different one.
 */
const central = proxyLocalActivities<CentralActivities>({
  startToCloseTimeout: '10s',
  scheduleToCloseTimeout: '5m',
  retry: { initialInterval: '200ms', maximumInterval: '10s', nonRetryableErrorTypes: PROVIDER_NON_RETRYABLE },
});
/** The owner's notice may wait out an SMTP outage; nobody is waiting on it. */
const notice = proxyLocalActivities<CentralActivities>(BACKGROUND_EMAIL);

/** What the user is told when the directory could not be reached at all: the cause is not theirs to fix. */
const UNREACHABLE = 'Your company network could not be reached just now.';
/** What the user is told when no agent answered: the write may or may not have happened. */
const UNCONFIRMED = 'We could not confirm the reset, so your old password may or may not still work.';

function describeFailure(error: unknown): { code: string; userMessage: string } {
  const failure = applicationFailureOf(error);
  if (failure) {
    const detail = failure.details?.[0] as { code?: string; userMessage?: string } | undefined;
    return { code: detail?.code ?? failure.type ?? 'unknown', userMessage: detail?.userMessage ?? UNREACHABLE };
  }
  // A timeout is not a clean "no": an agent may have written the password and died before it could say so.
  return { code: 'directory_unconfirmed', userMessage: UNCONFIRMED };
}

/**
 * One password reset: set on the agent, deliver, notify. The password is derived on the agent from a nonce fixed
 * here, so every retry of the directory write sets the same password, and the one delivered is exactly the one
 * the agent's successful attempt returned.
 */
export async function passwordResetWorkflow(input: PasswordResetInput): Promise<PasswordResetResult> {
  const { resetId, userId } = input;
  const record = {
    resetId,
    userId,
    channel: input.channel,
    requestedBy: input.requestedBy,
    requestedAt: input.requestedAt,
  };
  const agent = proxyActivities<DirectoryActivities>({
    taskQueue: input.agentTaskQueue,
    // Short per attempt so that a killed agent's task moves to another agent quickly; bounded in total so the
    // user hears back even when no agent is up.
    startToCloseTimeout: input.directory?.attemptTimeoutMs ?? 15_000,
    scheduleToCloseTimeout: input.directory?.totalTimeoutMs ?? 90_000,
    retry: {
      initialInterval: '500ms',
      maximumInterval: '10s',
      maximumAttempts: input.directory?.maximumAttempts ?? 5,
      nonRetryableErrorTypes: [...NON_RETRYABLE_DIRECTORY_ERRORS],
    },
  });

  let set: { password: string; wasLocked: boolean };
  try {
    set = await agent.resetDirectoryPassword({
      username: input.username,
      nonce: input.nonce ?? uuid4(),
      length: input.policy.passwordLength,
      mustChangeAtNextLogon: input.policy.mustChangeAtNextLogon,
      unlock: input.policy.unlockOnReset,
    });
  } catch (error) {
    const failure = describeFailure(error);
    await central.failPasswordReset({ ...record, ...failure });
    return { status: 'failed', resetId, ...failure };
  }

  const unlocked = set.wasLocked && input.policy.unlockOnReset;
  await central.deliverResetPassword({
    ...record,
    password: set.password,
    unlocked,
    mustChange: input.policy.mustChangeAtNextLogon,
  });
  await notice.notifyOwnerOfReset({ userId, channel: input.channel });
  return { status: 'completed', resetId, unlocked };
}
